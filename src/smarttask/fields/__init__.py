"""Custom fields: typed values a workspace defines for its tasks (docs/planning.md)."""
