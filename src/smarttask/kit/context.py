"""Per-request context shared by logs, errors and jobs."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("smarttask_request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The version (4) and variant (RFC 4122) bits of a random UUID, as uuid.uuid4() sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    """Bind a request id to the current context."""
    _request_id.set(value)


def accept_request_id(candidate: str | None) -> str | None:
    """The candidate if it is an acceptable request id, else None."""
    if candidate and _VALID_REQUEST_ID.fullmatch(candidate):
        return candidate
    return None


def new_request_id() -> str:
    """A fresh request id: the hex of a random UUID (what `uuid.uuid4().hex` gives, without
    building a UUID object on every request)."""
    value = int.from_bytes(os.urandom(16), "big") & _UUID4_CLEAR | _UUID4_SET
    return f"{value:032x}"
