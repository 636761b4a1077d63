"""Who is calling: one Core statement per request, without the ORM's loading.

Reads identify the caller on every request, so the lookups run on the request's reader
(`UnitOfWork.reader`: prepared statements on one pooled driver connection, which the
route's own reads then share) and the user comes back as a detached `User`, as if loaded
by a session. On a server worker on PostgreSQL what a lookup found may come from the
worker's `CallerCache` instead (accounts/callers.py): then the request takes no reader for
it. Writing requests run the same statements inside their transaction, never from the
cache (`*_in`), and get the user attached to their session, as if the session had loaded
it: a route may change its own caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.attributes import instance_state

from smarttask.accounts.callers import CallerCache
from smarttask.accounts.models import ApiToken, RefreshToken, User
from smarttask.db.engine import Reader, RowLike, transaction_reader

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

_MAPPER = inspect(User)
_USER_COLUMNS = tuple(User.__table__.columns)
_USER_FIELDS = tuple(column.key for column in _USER_COLUMNS)
_API_TOKEN_FIELDS = ("token_id", "token_expires_at", "token_last_used_at", *_USER_FIELDS)

OpenReader = Callable[[], Awaitable[Reader]]

# An active user (`:user_id`) whose login (`:family_id`) is not revoked.
_SIGNED_IN = (
    User.id == bindparam("user_id"),
    User.is_active.is_(True),
    select(RefreshToken.id)
    .where(
        RefreshToken.family_id == bindparam("family_id"),
        RefreshToken.user_id == bindparam("user_id"),
        RefreshToken.revoked_at.is_(None),
    )
    .exists(),
)
_SIGNED_IN_USER = select(*_USER_COLUMNS).where(*_SIGNED_IN)
_API_TOKEN_USER = (
    select(
        ApiToken.id.label("token_id"),
        ApiToken.expires_at.label("token_expires_at"),
        ApiToken.last_used_at.label("token_last_used_at"),
        *_USER_COLUMNS,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


@dataclass(frozen=True, slots=True)
class ApiTokenUse:
    """A live API token and its owner."""

    token_id: str
    expires_at: datetime | None
    last_used_at: datetime | None
    user: User

    def usable(self, now: datetime) -> bool:
        """Whether the token may authenticate now: not expired, its owner active."""
        return (self.expires_at is None or self.expires_at > now) and self.user.is_active


def _user(row: RowLike | Mapping[str, Any]) -> User:
    """A detached, unmodified User holding the row, as a session's load leaves it.

    Built as SQLAlchemy's loader builds instances (no __init__, no change events):
    far cheaper than User(**values) plus make_transient_to_detached (docs/benchmarks.md).
    """
    if _MAPPER.registry._new_mappers:  # e.g. the first request of a process
        configure_mappers()
    user: User = _MAPPER.class_manager.new_instance()
    user.__dict__.update({field: row[field] for field in _USER_FIELDS})
    instance_state(user).key = _MAPPER.identity_key_from_primary_key((row["id"],))
    return user


async def signed_in_user(
    reader: OpenReader, callers: CallerCache, user_id: str, family_id: str
) -> User | None:
    """An active user whose login (refresh-token family) is not revoked, in one statement."""
    key = ("access", user_id, family_id)
    values = callers.get(key)
    if values is None:
        generation = callers.generation
        row = await (await reader()).fetch_row(
            _SIGNED_IN_USER, {"user_id": user_id, "family_id": family_id}
        )
        if row is None:
            return None
        values = _values(row, _USER_FIELDS)
        callers.put(key, user_id, values, generation)
    return _user(values)


async def api_token_use(
    reader: OpenReader, callers: CallerCache, token_hash: str
) -> ApiTokenUse | None:
    """A live (not revoked) API token by its hash, with its owner, in one statement."""
    key = ("api", token_hash, "")
    values = callers.get(key)
    if values is None:
        generation = callers.generation
        row = await (await reader()).fetch_row(_API_TOKEN_USER, {"token_hash": token_hash})
        if row is None:
            return None
        values = _values(row, _API_TOKEN_FIELDS)
        callers.put(key, values["id"], values, generation)
    return ApiTokenUse(
        token_id=values["token_id"],
        expires_at=values["token_expires_at"],
        last_used_at=values["token_last_used_at"],
        user=_user(values),
    )


async def signed_in_user_in(session: AsyncSession, user_id: str, family_id: str) -> User | None:
    """`signed_in_user` inside a writing request's transaction, attached to its session."""
    params = {"user_id": user_id, "family_id": family_id}
    row = await (await transaction_reader(session)).fetch_row(_SIGNED_IN_USER, params)
    return None if row is None else _attached(session, _user(row))


async def api_token_use_in(session: AsyncSession, token_hash: str) -> ApiTokenUse | None:
    """`api_token_use` inside a writing request's transaction, its user attached to the session."""
    params = {"token_hash": token_hash}
    row = await (await transaction_reader(session)).fetch_row(_API_TOKEN_USER, params)
    if row is None:
        return None
    return ApiTokenUse(
        token_id=row["token_id"],
        expires_at=row["token_expires_at"],
        last_used_at=row["token_last_used_at"],
        user=_attached(session, _user(row)),
    )


def _attached(session: AsyncSession, user: User) -> User:
    """The user in the session, as its own load would have left it (changes are flushed).

    The session's copy if it already holds this user (an earlier load in the transaction).
    """
    key = instance_state(user).key
    assert key is not None  # set by _user
    held: User | None = session.sync_session.identity_map.get(key)
    if held is not None:
        return held
    session.add(user)
    return user


def _values(row: RowLike, fields: tuple[str, ...]) -> Mapping[str, Any]:
    """The row's columns as a plain mapping (a cache entry outlives its connection)."""
    return {field: row[field] for field in fields}
