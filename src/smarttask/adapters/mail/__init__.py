"""Outgoing mail: .eml files in a folder (development) or SMTP."""
