"""Background jobs: an outbox table, runners that claim with leases, one registry of handlers."""
