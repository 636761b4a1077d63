"""All SQL of counters: each change is one atomic statement, never read-modify-write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.counters.models import Counter, CounterQuota
from smarttask.db.dialect import upsert
from smarttask.db.engine import Database, RowLike

_COLUMNS = (Counter.name, Counter.value, Counter.created_at, Counter.updated_at)
# The hot statements are built once; each call only binds its values.
_INCREMENT = (
    update(Counter)
    .where(Counter.name == bindparam("counter_name"))
    .values(value=Counter.value + 1, updated_at=bindparam("now"))
    .returning(*_COLUMNS)
)
_GET = select(*_COLUMNS).where(Counter.name == bindparam("counter_name"))


async def increment(session: AsyncSession, name: str, now: datetime) -> Counter | None:
    """Add 1 to an existing counter in one statement; None if it does not exist."""
    row = (await session.execute(_INCREMENT, {"counter_name": name, "now": now})).one_or_none()
    return Counter(**row._mapping) if row else None


async def insert_new(session: AsyncSession, name: str, now: datetime) -> Counter | None:
    """Create the counter at 1; None if another request created it first."""
    statement = (
        upsert(session, Counter)
        .values(name=name, value=1, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(*_COLUMNS)
    )
    row = (await session.execute(statement)).one_or_none()
    return Counter(**row._mapping) if row else None


async def reserve_quota(session: AsyncSession, maximum: int) -> bool:
    """Take one slot of the counter quota in one statement; False when it is full."""
    statement = (
        update(CounterQuota)
        .where(CounterQuota.id == 1, CounterQuota.used < maximum)
        .values(used=CounterQuota.used + 1)
        .returning(CounterQuota.used)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def get(session: AsyncSession, name: str) -> Counter | None:
    """One counter by name."""
    row = (await session.execute(_GET, {"counter_name": name})).one_or_none()
    return Counter(**row._mapping) if row else None


async def increment_committed(database: Database, name: str, now: datetime) -> RowLike | None:
    """Add 1 to an existing counter in one statement committed on its own; None if missing."""
    return await database.fetch_row(_INCREMENT, {"counter_name": name, "now": now}, writes=True)


async def get_committed(database: Database, name: str) -> RowLike | None:
    """One counter by name, read outside any session."""
    return await database.fetch_row(_GET, {"counter_name": name})
