"""Static files under content-hashed URLs: `/static/<digest>/<name>`, cached for a year.

The digest is the first 12 hex digits of the file's SHA-256, computed once per process on
first use; a new release changes the URL of every file whose content changed, so browsers
never keep a stale script, and keep the rest. Each file is kept in memory with its gzip
form (a few small files: the style sheet, the app's script, htmx).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from importlib import resources

PREFIX = "/static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file: its bytes, their gzip form, type and digest."""

    name: str
    body: bytes
    gzipped: bytes
    media_type: str
    digest: str

    @property
    def url(self) -> str:
        """The file's content-hashed URL."""
        return f"{PREFIX}/{self.digest}/{self.name}"


def _load(name: str) -> Asset | None:
    root = resources.files("smarttask.web").joinpath("static")
    path = root
    for part in name.split("/"):
        if part in ("", ".", "..") or part.startswith("."):
            return None
        path = path.joinpath(part)
    if not path.is_file():
        return None
    body = path.read_bytes()
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    media_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Asset(
        name,
        body,
        gzip.compress(body, compresslevel=9, mtime=0),
        media_type,
        hashlib.sha256(body).hexdigest()[:12],
    )


@cache
def asset(name: str) -> Asset | None:
    """The static file of this name (relative to `static/`), or None."""
    return _load(name)


def url(name: str) -> str:
    """The content-hashed URL of a static file (templates call it as `static(name)`)."""
    found = asset(name)
    if found is None:
        raise LookupError(f"no static file {name!r}")
    return found.url
