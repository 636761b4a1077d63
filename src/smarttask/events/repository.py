"""All SQL of the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, String, bindparam, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import Executable

from smarttask.db.dialect import dialect_of, insert_for
from smarttask.db.engine import transaction_reader
from smarttask.db.prebuilt import table_of
from smarttask.events.models import Event, EventStream

CHANNEL = "smarttask_events"
_INSERT_EVENTS = insert(table_of(Event))


@lru_cache(maxsize=2)
def _take(dialect: str) -> Executable:
    """The stream's numbering upsert on the dialect's database, built once."""
    columns = EventStream.__table__.c
    insert_row = insert_for(dialect, EventStream.__table__).values(
        stream=bindparam("stream", type_=columns.stream.type),
        last_seq=bindparam("last_seq", type_=columns.last_seq.type),
    )
    return insert_row.on_conflict_do_update(
        index_elements=["stream"],
        set_={"last_seq": columns.last_seq + bindparam("count", type_=columns.last_seq.type)},
    ).returning(columns.last_seq)


async def take_sequence(session: AsyncSession, stream: str, count: int) -> int:
    """Reserve `count` numbers of the stream; the last one. Holds the stream's row lock (on
    PostgreSQL) until the transaction ends, so the stream's events commit in number order."""
    params = {"stream": stream, "last_seq": count, "count": count}
    reader = await transaction_reader(session)
    row = await reader.fetch_row(_take(dialect_of(session)), params)
    assert row is not None  # the upsert returns its row
    return int(row["last_seq"])


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert numbered events (one statement)."""
    if rows:
        await session.execute(_INSERT_EVENTS, list(rows))  # Core: no ORM bookkeeping per row


_NOTIFY = text(
    "SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"
).bindparams(bindparam("payloads", type_=ARRAY(String())))


async def notify(session: AsyncSession, payloads: Sequence[str]) -> None:
    """PostgreSQL: NOTIFY every listener once the transaction commits (never on rollback);
    one statement for all the transaction's streams."""
    if payloads:
        reader = await transaction_reader(session)
        await reader.fetch_all(_NOTIFY, {"channel": CHANNEL, "payloads": list(payloads)})


async def after(session: AsyncSession, stream: str, seq: int, limit: int) -> Sequence[Event]:
    """The stream's events numbered above `seq`, in order, at most `limit`."""
    statement = (
        select(Event)
        .where(Event.stream == stream, Event.seq > seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def oldest_kept(session: AsyncSession, stream: str) -> int | None:
    """The lowest number the stream still keeps (None when it keeps nothing)."""
    return (
        await session.execute(select(func.min(Event.seq)).where(Event.stream == stream))
    ).scalar_one_or_none()


async def last_seq(session: AsyncSession, stream: str) -> int:
    """The stream's last number (0 before its first event)."""
    found = await session.execute(select(EventStream.last_seq).where(EventStream.stream == stream))
    return int(found.scalar_one_or_none() or 0)


async def last_seqs(session: AsyncSession, streams: Sequence[str]) -> dict[str, int]:
    """The last numbers of these streams (those without an event yet are left out)."""
    if not streams:
        return {}
    statement = select(EventStream.stream, EventStream.last_seq).where(
        EventStream.stream.in_(list(streams))
    )
    return {row.stream: int(row.last_seq) for row in await session.execute(statement)}


async def prune(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete at most `limit` events older than `before`; how many went."""
    doomed = select(Event.id).where(Event.created_at < before).limit(limit)
    result = await session.execute(delete(Event).where(Event.id.in_(doomed)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
