"""Objects on local disk, written and read through the service's own signed URLs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from smarttask.adapters.storage.base import CHUNK_BYTES, MissingObject, UploadTicket
from smarttask.adapters.storage.policy import content_disposition, served_type
from smarttask.adapters.storage.signing import URLSigner
from smarttask.adapters.storage.transfer import transfer_thread

TRANSFER_PATH = "/api/v1/storage/objects/"
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,3}$")
_WRITE_BUFFER = 1024 * 1024


class InvalidKey(Exception):
    """A key that could leave the storage folder or is not one the service makes."""


class SizeMismatch(Exception):
    """The body was not exactly the declared size."""


class AlreadyStored(Exception):
    """An object is already stored at this key; uploads never overwrite."""


class LocalStorage:
    """Files under one folder; keys are checked so no path can leave it."""

    name = "local"

    def __init__(self, root: str, signing_key: str, public_url: str) -> None:
        self.root = Path(root).resolve()
        self.signer = URLSigner(signing_key)
        # Absolute URLs on the configured public address, never on a client-sent Host.
        self.base = public_url.rstrip("/") + TRANSFER_PATH

    def path(self, key: str) -> Path:
        """The file of a key, guaranteed to be inside the root."""
        if not _KEY.match(key):
            raise InvalidKey(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(key)
        return path

    def presign_upload(self, key: str, size: int, content_type: str, ttl: int) -> UploadTicket:
        """A signed PUT URL for exactly `size` bytes of `content_type`."""
        self.path(key)
        expires = int(time.time()) + ttl
        signature = self.signer.sign("PUT", key, size, content_type, expires)
        query = urlencode(
            {"size": size, "type": content_type, "expires": expires, "sig": signature}
        )
        return UploadTicket(
            method="PUT",
            url=f"{self.base}{quote(key)}?{query}",
            headers={"Content-Type": content_type, "Content-Length": str(size)},
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    def presign_download(self, key: str, filename: str, content_type: str, ttl: int) -> str:
        """A signed GET URL serving the object as an attachment."""
        self.path(key)
        expires = int(time.time()) + ttl
        signature = self.signer.sign("GET", key, filename, content_type, expires)
        query = urlencode(
            {"name": filename, "type": content_type, "expires": expires, "sig": signature}
        )
        return f"{self.base}{quote(key)}?{query}"

    def verify_upload(self, key: str, size: int, content_type: str, expires: int, sig: str) -> None:
        """Raise InvalidSignature unless we signed this upload and it has not expired."""
        self.signer.verify(sig, expires, "PUT", key, size, content_type)

    def verify_download(
        self, key: str, filename: str, content_type: str, expires: int, sig: str
    ) -> None:
        """Raise InvalidSignature unless we signed this download and it has not expired."""
        self.signer.verify(sig, expires, "GET", key, filename, content_type)

    async def stat(self, key: str) -> int | None:
        """The file's size, or None."""
        try:
            return (await asyncio.to_thread(self.path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def write(self, key: str, size: int, chunks: AsyncIterable[bytes]) -> None:
        """Stream exactly `size` bytes to a temporary file, then publish it at `key`.

        At most one write buffer (1 MiB) is held in memory; a short or long body, or an
        existing object, leaves nothing behind.
        """
        target = self.path(key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        if await asyncio.to_thread(target.exists):
            raise AlreadyStored(key)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        handle = await asyncio.to_thread(open, temp, "xb")
        try:
            received = 0
            buffer = bytearray()
            async for chunk in chunks:
                received += len(chunk)
                if received > size:
                    raise SizeMismatch(f"more than the declared {size} bytes")
                buffer += chunk
                if len(buffer) >= _WRITE_BUFFER:
                    await asyncio.to_thread(handle.write, buffer)
                    buffer.clear()
            if received != size:
                raise SizeMismatch(f"{received} bytes received, {size} declared")
            await asyncio.to_thread(_finish, handle, bytes(buffer), temp, target)
        except BaseException:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise

    async def read_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The file's bytes, one chunk at a time (read on a thread of the transfer's own)."""
        async with transfer_thread() as thread:
            try:
                handle = await thread.run(_open_binary, self.path(key))
            except FileNotFoundError as error:
                raise MissingObject(key) from error
            try:
                while chunk := await thread.run(handle.read, chunk_size):
                    yield chunk
            finally:
                handle.close()

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Copy the file into place (kernel to kernel where it can), replacing any file there."""
        target = self.path(key)
        await asyncio.to_thread(_copy_into_place, Path(path), target)

    def download_headers(self, filename: str, content_type: str) -> dict[str, str]:
        """Headers that make a browser save the file, never render it.

        (X-Content-Type-Options: nosniff and a CSP of default-src 'none' are added to every
        answer by the request middleware.)
        """
        return {
            "Content-Type": served_type(content_type),
            "Content-Disposition": content_disposition(filename),
        }


def _open_binary(path: Path) -> BinaryIO:
    """The file, open for reading bytes."""
    return path.open("rb")


def _copy_into_place(source: Path, target: Path) -> None:
    """Copy to a temporary file beside the target, make it durable, then rename it over."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
    try:
        shutil.copyfile(source, temp)  # os.sendfile on Linux: no copy through Python
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _finish(handle: BinaryIO, tail: bytes, temp: Path, target: Path) -> None:
    """Write the tail, make it durable, and link it into place without overwriting."""
    handle.write(tail)
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    try:
        os.link(temp, target)  # fails if the target exists: no overwrite, even under a race
    except FileExistsError as error:
        raise AlreadyStored(str(target.name)) from error
    finally:
        temp.unlink(missing_ok=True)
