"""The audit trail: one entry for every create, update and delete, in the same transaction."""
