"""Workflow states: the ordered columns of a project, each of one task status category."""
