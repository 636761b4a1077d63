"""The trash: deleted tasks kept restorable for a while (docs/planning.md, Trash)."""
