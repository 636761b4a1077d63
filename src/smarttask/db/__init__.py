"""Database layer: engines, sessions, the declarative base and migrations."""
