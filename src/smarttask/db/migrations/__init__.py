"""Alembic migrations of smarttask."""
