"""Idempotency keys: replay a POST's first answer instead of doing the work twice."""
