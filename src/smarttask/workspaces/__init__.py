"""Workspaces, their members and roles, and the authorisation policy every domain uses."""
