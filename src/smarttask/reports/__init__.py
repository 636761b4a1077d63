"""Saved reports: definitions, schedules, deliveries, and their files (CSV, Excel, PDF)."""
