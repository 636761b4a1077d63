"""Comments on tasks."""
