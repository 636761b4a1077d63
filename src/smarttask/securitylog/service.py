"""Writing and reading the security log.

`record` adds an event to the caller's transaction: it is kept exactly when the change it
describes is. A refusal rolls its own transaction back, so its event is written apart:
`record_apart` now, in a transaction of its own, or `record_after` once the caller's
transaction has ended (on SQLite a second writer must wait for the first, so code inside a
writing transaction uses `record_after`). Unless given, the address and user agent are
those of the request being served (`kit.context.current_client`).

`details` never holds a secret: a key that names one (password, token, secret, code, hash,
key, ...) makes `record` raise, so that a slip fails loudly in the tests instead of
landing in the log. Keys that only identify or count (`token_id`, `revoked_token_count`)
are fine.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import DATABASE_KEY, Database
from smarttask.db.hooks import after_end
from smarttask.db.types import new_id, utcnow
from smarttask.kit.context import MAX_USER_AGENT, current_client
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.securitylog import repository
from smarttask.securitylog.models import SecurityEvent
from smarttask.securitylog.repository import Filters
from smarttask.securitylog.schemas import EVENT_PATTERN, MAX_EVENT_NAME, SecurityEventRead

_EVENT_NAME = re.compile(EVENT_PATTERN)
# Words that name a secret, in any key of `details` at any depth (plurals too).
SECRET_WORDS = frozenset(
    {
        "authorization",
        "bearer",
        "code",
        "cookie",
        "credential",
        "hash",
        "jwt",
        "key",
        "otp",
        "passphrase",
        "passwd",
        "password",
        "pin",
        "pwd",
        "salt",
        "secret",
        "seed",
        "signature",
        "token",
        "totp",
    }
)
# A key ending in one of these only identifies or counts: `token_id`, `api_token_count`.
_HARMLESS_LAST_WORDS = frozenset({"id", "ids", "count"})
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_MAX_TEXT = 200
_MAX_KEYS = 20


class SecretInDetails(ValueError):
    """A programming mistake: `details` would hold a secret (or is not plain JSON)."""


def _words(key: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(key)]


def _names_a_secret(key: str) -> bool:
    words = _words(key)
    if not words or words[-1] in _HARMLESS_LAST_WORDS:
        return False
    for word in words:
        singular = {word, word.removesuffix("s"), word.removesuffix("es")}
        if singular & SECRET_WORDS:
            return True
    return False


def _clean(value: Any, where: str) -> Any:
    """A copy of a details value as plain JSON, texts cut; raises on a secret's key."""
    if isinstance(value, Mapping):
        if len(value) > _MAX_KEYS:
            raise SecretInDetails(f"details{where} has more than {_MAX_KEYS} keys")
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SecretInDetails(f"details{where} has a key that is not text: {key!r}")
            if _names_a_secret(key):
                raise SecretInDetails(
                    f"details{where}[{key!r}] names a secret; the security log never holds one"
                )
            cleaned[key] = _clean(item, f"{where}[{key!r}]")
        return cleaned
    if isinstance(value, list | tuple):
        return [_clean(item, f"{where}[]") for item in value[:_MAX_KEYS]]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        return _text(value, _MAX_TEXT)
    if value is None or isinstance(value, bool | int | float):
        return value
    raise SecretInDetails(f"details{where} is a {type(value).__name__}, not plain JSON")


def _text(value: str | None, limit: int) -> str | None:
    """Text as stored: at most `limit` characters, no NUL (PostgreSQL refuses it)."""
    return None if value is None else value.replace("\x00", "")[:limit]


def _checked_event(event: str) -> str:
    if len(event) > MAX_EVENT_NAME or not _EVENT_NAME.fullmatch(event):
        raise ValueError(f"{event!r} is not a security event name (dotted lower-case words)")
    return event


def new_event(
    event: str,
    *,
    actor_id: str | None,
    target_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> SecurityEvent:
    """The row of an event, checked; the request's address and user agent unless given."""
    if ip is None and user_agent is None:
        client = current_client()
        if client is not None:
            ip, user_agent = client.ip, client.user_agent
    return SecurityEvent(
        id=new_id(),
        event=_checked_event(event),
        actor_id=actor_id,
        target_id=target_id,
        ip=_text(ip, 64),
        user_agent=_text(user_agent, MAX_USER_AGENT),
        details=_clean(details or {}, ""),
        created_at=utcnow(),
    )


def record(
    session: AsyncSession,
    event: str,
    *,
    actor_id: str | None,
    target_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add an event to the caller's transaction (kept if, and only if, it commits)."""
    row = new_event(
        event,
        actor_id=actor_id,
        target_id=target_id,
        ip=ip,
        user_agent=user_agent,
        details=details,
    )
    session.add(row)


async def _write(database: Database, row: SecurityEvent) -> None:
    async with database.session() as session:
        session.add(row)
        await session.commit()


async def record_apart(
    database: Database,
    event: str,
    *,
    actor_id: str | None,
    target_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write an event now, in a transaction of its own (kept whatever else rolls back).

    Not from inside a writing transaction on SQLite, whose one writer that is: use
    `record_after` there.
    """
    row = new_event(
        event,
        actor_id=actor_id,
        target_id=target_id,
        ip=ip,
        user_agent=user_agent,
        details=details,
    )
    await _write(database, row)


def record_after(
    session: AsyncSession,
    event: str,
    *,
    actor_id: str | None,
    target_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write an event apart (as `record_apart`) once the session's transaction has ended,
    committed or rolled back: the record of a refusal whose own work is discarded."""
    row = new_event(
        event,
        actor_id=actor_id,
        target_id=target_id,
        ip=ip,
        user_agent=user_agent,
        details=details,
    )
    database: Database = session.info[DATABASE_KEY]
    after_end(session, functools.partial(_write, database, row))


async def list_events(
    session: AsyncSession, filters: Filters, cursor: str | None, limit: int
) -> Page[SecurityEventRead]:
    """A page of the events that match, newest first (the caller checks who may read)."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda before, size: repository.newest_first(session, filters, before, size),
        by_creation,
    )
    return rows.read(SecurityEventRead.model_validate)
