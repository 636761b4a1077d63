"""Cross-cutting HTTP pieces: errors, request context, logging, limits, idempotency."""
