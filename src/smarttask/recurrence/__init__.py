"""Recurring tasks: RFC 5545 rules evaluated in the workspace time zone (docs/planning.md)."""
