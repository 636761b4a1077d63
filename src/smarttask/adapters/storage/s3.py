"""Objects in S3 (or MinIO, R2, LocalStack through a custom endpoint), via presigned URLs.

boto3 is imported and its client built on first use, once per process, so importing this
module costs nothing at a Lambda cold start.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from smarttask.adapters.storage.base import CHUNK_BYTES, MissingObject, UploadTicket
from smarttask.adapters.storage.policy import content_disposition, served_type
from smarttask.adapters.storage.transfer import transfer_thread

# Files of the server's own (data exports) go up in parts of this size, two at a time: at
# most two parts are in memory, whatever the file's size.
_PART_BYTES = 8 * 1024 * 1024
_PARTS_AT_ONCE = 2
_MISSING = ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """One bucket; presigned PUTs sign Content-Length and Content-Type, so S3 refuses others."""

    name = "s3"

    def __init__(self, bucket: str, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        """The boto3 S3 client, created once (credentials and region the usual AWS way)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3  # type: ignore[import-untyped]
                    from botocore.config import Config  # type: ignore[import-untyped]

                    config = Config(
                        signature_version="s3v4",
                        s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                        retries={"max_attempts": 3, "mode": "standard"},
                        connect_timeout=3,
                        read_timeout=10,
                    )
                    # A session of its own: the default session keeps the first credentials.
                    self._client = boto3.session.Session().client(
                        "s3", endpoint_url=self.endpoint_url, config=config
                    )
        return self._client

    def presign_upload(self, key: str, size: int, content_type: str, ttl: int) -> UploadTicket:
        """A presigned PUT bound to the size and type (both are signed headers)."""
        url = self.client().generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=ttl,
            HttpMethod="PUT",
        )
        return UploadTicket(
            method="PUT",
            url=url,
            headers={"Content-Type": content_type, "Content-Length": str(size)},
            expires_at=(datetime.now(UTC) + timedelta(seconds=ttl)).replace(microsecond=0),
        )

    def presign_download(self, key: str, filename: str, content_type: str, ttl: int) -> str:
        """A presigned GET that answers with Content-Disposition: attachment."""
        url: str = self.client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": served_type(content_type),
            },
            ExpiresIn=ttl,
        )
        return url

    async def stat(self, key: str) -> int | None:
        """The object's size from HEAD, or None when S3 says it does not exist."""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            head = await asyncio.to_thread(self.client().head_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return int(head["ContentLength"])

    async def delete(self, key: str) -> None:
        """Delete the object (S3 answers success for a missing key too)."""
        await asyncio.to_thread(self.client().delete_object, Bucket=self.bucket, Key=key)

    async def read_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The object's body from one GET, read a chunk at a time on a thread of its own."""
        from botocore.exceptions import ClientError

        async with transfer_thread() as thread:
            try:
                answer = await thread.run(self.client().get_object, Bucket=self.bucket, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    raise MissingObject(key) from error
                raise
            body = answer["Body"]
            try:
                while chunk := await thread.run(body.read, chunk_size):
                    yield chunk
            finally:
                body.close()

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Upload the file from disk: one PUT when small, else a multipart upload whose parts
        are read from the file as they are sent (boto3's managed transfer)."""
        from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

        config = TransferConfig(
            multipart_threshold=_PART_BYTES,
            multipart_chunksize=_PART_BYTES,
            max_concurrency=_PARTS_AT_ONCE,
        )
        await asyncio.to_thread(
            self.client().upload_file,
            path,
            self.bucket,
            key,
            ExtraArgs={"ContentType": content_type},
            Config=config,
        )
