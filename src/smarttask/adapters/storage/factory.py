"""The storage of the configured backend, built once per settings group."""

from __future__ import annotations

from functools import lru_cache

from smarttask.adapters.storage.base import Storage
from smarttask.settings import StorageSettings


@lru_cache(maxsize=8)
def build_storage(files: StorageSettings) -> Storage:
    """The storage adapter for `files` (cached: one boto3 client per process and settings)."""
    if files.backend == "s3":
        from smarttask.adapters.storage.s3 import S3Storage

        assert files.s3_bucket, "settings refuse s3 without a bucket"
        return S3Storage(files.s3_bucket, files.s3_endpoint_url)
    from smarttask.adapters.storage.local import LocalStorage

    return LocalStorage(files.local_path, files.signing_key, files.public_url)
