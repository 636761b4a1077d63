"""Object storage: local disk or S3."""
