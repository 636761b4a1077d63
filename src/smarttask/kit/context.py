"""Per-request context shared by logs, errors and jobs."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection
    from starlette.types import Scope

_request_id: ContextVar[str | None] = ContextVar("smarttask_request_id", default=None)
# Who sent the request being served (its scope's client and headers), read only when asked
# (the security log); not the scope itself, which a task started by a request would keep.
_request_origin: ContextVar[Scope | None] = ContextVar("smarttask_request_origin", default=None)
MAX_USER_AGENT = 255
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


@dataclass(frozen=True, slots=True)
class Client:
    """Who sent a request, as the server sees it: the address and the User-Agent header."""

    ip: str | None
    user_agent: str | None


def client_of(scope: Scope) -> Client:
    """The address (as `kit.ratelimit.client_ip` reads it: the server resolved trusted proxy
    headers) and the first User-Agent (cut at 255 characters) of a request's scope."""
    client = scope.get("client")
    agent = None
    for name, value in scope.get("headers", ()):
        if name == b"user-agent":
            agent = value.decode("latin-1")[:MAX_USER_AGENT]
            break
    return Client(client[0] if client else None, agent)


def request_client(request: HTTPConnection) -> Client:
    """The address and user agent of a Starlette request (see `client_of`)."""
    return client_of(request.scope)


def set_request_scope(scope: Scope | None) -> None:
    """Bind who sent the request being served to the current context (the edge does)."""
    if scope is None:
        _request_origin.set(None)
    else:
        _request_origin.set({"client": scope.get("client"), "headers": scope.get("headers", ())})


def current_client() -> Client | None:
    """The address and user agent of the request being served, if any."""
    origin = _request_origin.get()
    return None if origin is None else client_of(origin)
