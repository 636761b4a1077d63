"""A ZIP file written on disk from async code, one entry at a time, never held in memory.

`zipfile` writes each entry through a file-like handle (ZIP64 where needed); every write,
compression included, runs on the archive's own thread (adapters/storage/transfer.py), in
pieces of `FLUSH_BYTES`, so the event loop never waits on the disk and memory holds one
piece, whatever the archive's size.
`JsonArray` writes a JSON array item by item.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

import orjson

from smarttask.adapters.storage.transfer import TransferThread, transfer_thread

FLUSH_BYTES = 256 * 1024
# Indented for people to read; UTC times end in "Z", as in the API.
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z
# Already compressed: stored as they are (deflating them again costs time and gains nothing).
_STORED_MAJORS = ("image/", "video/", "audio/")
_STORED_TYPES = frozenset(
    {"application/zip", "application/gzip", "application/x-7z-compressed", "application/pdf"}
)


class Entry:
    """An open entry of the archive: bytes written to it are flushed in pieces."""

    def __init__(self, handle: IO[bytes], thread: TransferThread) -> None:
        self._handle = handle
        self._thread = thread
        self._buffer = bytearray()

    async def write(self, data: bytes) -> None:
        """Add bytes to the entry (a piece big enough on its own goes straight through)."""
        if not self._buffer and len(data) >= FLUSH_BYTES:
            await self._thread.run(self._handle.write, data)
            return
        self._buffer += data
        if len(self._buffer) >= FLUSH_BYTES:
            await self.flush()

    async def flush(self) -> None:
        """Hand what is buffered to the compressor and the file, on the archive's thread."""
        if self._buffer:
            piece = bytes(self._buffer)
            self._buffer.clear()
            await self._thread.run(self._handle.write, piece)


class JsonArray:
    """A JSON array written into an entry one item at a time (each item on its own lines)."""

    def __init__(self, entry: Entry) -> None:
        self._entry = entry
        self.count = 0

    async def add(self, item: dict[str, Any]) -> None:
        """Append one item."""
        separator = b"[\n" if self.count == 0 else b",\n"
        self.count += 1
        await self._entry.write(separator + orjson.dumps(item, option=_JSON_OPTIONS))

    async def close(self) -> None:
        """End the array (`[]` when it has no item)."""
        await self._entry.write(b"[]\n" if self.count == 0 else b"\n]\n")


def stored_as_is(content_type: str) -> bool:
    """Whether a file of this type is kept uncompressed in the archive."""
    return content_type.startswith(_STORED_MAJORS) or content_type in _STORED_TYPES


class Archive:
    """The ZIP file being written; entries are written one after another, every blocking
    step on the archive's own thread (`open_archive` makes one)."""

    def __init__(self, zip_file: zipfile.ZipFile, thread: TransferThread) -> None:
        self._zip = zip_file
        self._thread = thread
        self._stamp = time.gmtime()[:6]

    @asynccontextmanager
    async def entry(
        self, name: str, *, size: int | None = None, compress: bool = True
    ) -> AsyncIterator[Entry]:
        """Write the entry `name`; `size`, when known, decides ZIP64 ahead (else it is on)."""
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        if size is not None:
            info.file_size = size
        handle = await self._thread.run(self._zip.open, info, "w", force_zip64=size is None)
        entry = Entry(handle, self._thread)
        try:
            yield entry
            await entry.flush()
        finally:
            await self._thread.run(handle.close)

    @asynccontextmanager
    async def json_array(self, name: str) -> AsyncIterator[JsonArray]:
        """Write the entry `name` as a JSON array, item by item."""
        async with self.entry(name) as entry:
            array = JsonArray(entry)
            yield array
            await array.close()

    async def json(self, name: str, document: dict[str, Any]) -> None:
        """Write a small JSON document as the entry `name`."""
        async with self.entry(name) as entry:
            await entry.write(orjson.dumps(document, option=_JSON_OPTIONS) + b"\n")


@asynccontextmanager
async def open_archive(path: str) -> AsyncIterator[Archive]:
    """A new ZIP file at `path`, its central directory written when the block ends."""
    async with transfer_thread() as thread:
        zip_file = await thread.run(
            zipfile.ZipFile,
            path,
            "w",
            compression=zipfile.ZIP_DEFLATED,
            allowZip64=True,
            compresslevel=6,
        )
        try:
            yield Archive(zip_file, thread)
        finally:
            await thread.run(zip_file.close)
