"""All SQL of idempotency keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import Executable

from smarttask.db.dialect import dialect_of, insert_for
from smarttask.db.engine import Database
from smarttask.db.types import new_id
from smarttask.kit.idempotency.models import IdempotencyKey

_CLAIM_COLUMNS = (
    "id",
    "principal",
    "key",
    "request_hash",
    "status",
    "locked_until",
    "request_id",
    "created_at",
    "expires_at",
)
_STORE_RESPONSE = (
    update(IdempotencyKey)
    .where(IdempotencyKey.id == bindparam("row_id"))
    .values(
        {
            name: bindparam(name, type_=IdempotencyKey.__table__.c[name].type)
            for name in ("status", "response_status", "response_headers", "response_body")
        }
    )
)


@lru_cache(maxsize=2)
def _claim(dialect: str) -> Executable:
    """The claim's insert on the dialect's database, built once (values bound by column)."""
    columns = IdempotencyKey.__table__.c
    values = {name: bindparam(name, type_=columns[name].type) for name in _CLAIM_COLUMNS}
    return (
        insert_for(dialect, IdempotencyKey)
        .values(values)
        .on_conflict_do_nothing(index_elements=["principal", "key"])
        .returning(IdempotencyKey.id)
    )


def claim_row(
    *,
    principal: str,
    key: str,
    request_hash: str,
    request_id: str | None,
    now: datetime,
    lease: timedelta,
    ttl: timedelta,
) -> dict[str, Any]:
    """The values of a new running claim, held until `now + lease`, kept until `now + ttl`."""
    return {
        "id": new_id(),
        "principal": principal,
        "key": key,
        "request_hash": request_hash,
        "status": "running",
        "locked_until": now + lease,
        "request_id": request_id,
        "created_at": now,
        "expires_at": now + ttl,
    }


async def insert_claim(session: AsyncSession, claim: dict[str, Any]) -> str | None:
    """Insert a running claim (`claim_row`); its id, or None when the key is already known."""
    return (await session.execute(_claim(dialect_of(session)), claim)).scalar_one_or_none()


async def insert_claim_at_once(database: Database, claim: dict[str, Any]) -> str | None:
    """PostgreSQL: `insert_claim` as one statement committed on its own (no transaction
    around it: the insert is atomic by itself), on the driver's connection."""
    row = await database.fetch_row(_claim("postgresql"), claim, writes=True)
    return None if row is None else str(row["id"])


async def get(session: AsyncSession, principal: str, key: str) -> IdempotencyKey | None:
    """The stored claim of this principal and key."""
    statement = select(IdempotencyKey).where(
        IdempotencyKey.principal == principal, IdempotencyKey.key == key
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def take_over(
    session: AsyncSession,
    row: IdempotencyKey,
    *,
    request_hash: str,
    request_id: str | None,
    now: datetime,
    lease: timedelta,
    ttl: timedelta,
) -> bool:
    """Re-claim a row whose holder died (lease over) or that expired; False if someone else did."""
    statement = (
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == row.id,
            IdempotencyKey.locked_until == row.locked_until,
            IdempotencyKey.status == row.status,
        )
        .values(
            status="running",
            request_hash=request_hash,
            request_id=request_id,
            locked_until=now + lease,
            created_at=now,
            expires_at=now + ttl,
            response_status=None,
            response_headers=None,
            response_body=None,
        )
    )
    result: Any = await session.execute(statement)
    return bool(result.rowcount == 1)


async def store_response(
    session: AsyncSession, row_id: str, *, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Record the answer of a finished request."""
    params = {
        "row_id": row_id,
        "status": "done",
        "response_status": status,
        "response_headers": headers,
        "response_body": body,
    }
    await session.execute(_STORE_RESPONSE, params)


async def release(session: AsyncSession, row_id: str) -> None:
    """Forget a claim whose request failed, so that a retry runs it again.

    Only a claim still running: when a COMMIT's acknowledgement was lost, the request's
    transaction (and its stored answer, status "done") may have been kept after all; that
    answer must stay, so that the retry replays it instead of writing a second time.
    """
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == row_id, IdempotencyKey.status == "running"
        )
    )


async def delete_expired(session: AsyncSession, now: datetime) -> int:
    """Delete every key past its expiry; how many were deleted."""
    result: Any = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at < now)
    )
    return int(result.rowcount or 0)
