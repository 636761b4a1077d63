"""Data exports: a ZIP of everything a user's account holds, built by a background job,
kept for SMARTTASK_EXPORT_RETENTION_HOURS and downloaded through short-lived URLs
(docs/export.md)."""
