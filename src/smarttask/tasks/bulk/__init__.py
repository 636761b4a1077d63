"""Bulk edit: one change, or a move to the trash, for up to 100 tasks at once."""
