"""The storage protocol: presigned uploads and downloads, existence checks, deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
