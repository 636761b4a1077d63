"""Saved views: a workspace's task list filters, sort and layout, kept under a name."""
