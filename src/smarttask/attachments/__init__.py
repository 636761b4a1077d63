"""Attachments through presigned uploads."""
