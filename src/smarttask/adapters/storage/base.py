"""The storage protocol: presigned uploads and downloads, existence checks, deletion, and
streamed reads and writes for the server's own files (data exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Bytes read from or written to the store at a time by the streamed calls.
CHUNK_BYTES = 1024 * 1024


class MissingObject(Exception):
    """There is no object at the key."""


@dataclass(frozen=True, slots=True)
class UploadTicket:
    """How a client sends the bytes of one object: method, URL, headers, and until when."""

    method: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


class Storage(Protocol):
    """An object store addressed by keys the service chose (never user input)."""

    name: str

    def presign_upload(self, key: str, size: int, content_type: str, ttl: int) -> UploadTicket:
        """A short-lived permission to write exactly `size` bytes of `content_type` at `key`."""
        ...

    async def stat(self, key: str) -> int | None:
        """The size of the stored object, or None when there is none."""
        ...

    def presign_download(self, key: str, filename: str, content_type: str, ttl: int) -> str:
        """A short-lived URL that downloads the object as an attachment named `filename`."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def read_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The object's bytes, at most `chunk_size` at a time; MissingObject when there is none.

        Only one chunk is held in memory at a time, whatever the object's size.
        """
        ...

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Store the file at `path` under `key`, streamed from disk (replacing any object there)."""
        ...
