"""Time tracking: time entries and timers on tasks (docs/planning.md, Time tracking)."""
