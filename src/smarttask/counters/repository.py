"""All SQL of counters: each change is one atomic statement, never read-modify-write.

The statements are built on the Core tables (counters/tables.py): a cold start that reads
or increments an existing counter imports no ORM. The session's functions return ORM
objects, whose module is imported when they are first called.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update

from smarttask.counters.tables import counter, counter_quota
from smarttask.db.dialect import upsert
from smarttask.db.engine import Database, RowLike

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.counters.models import Counter

_COLUMNS = (counter.c.name, counter.c.value, counter.c.created_at, counter.c.updated_at)
# The prebuilt statements are built once; each call only binds its values.
_INCREMENT = (
    update(counter)
    .where(counter.c.name == bindparam("counter_name"))
    .values(value=counter.c.value + 1, updated_at=bindparam("now"))
    .returning(*_COLUMNS)
)
_GET = select(*_COLUMNS).where(counter.c.name == bindparam("counter_name"))


async def increment(session: AsyncSession, name: str, now: datetime) -> Counter | None:
    """Add 1 to an existing counter in one statement; None if it does not exist."""
    from smarttask.counters.models import Counter

    row = (await session.execute(_INCREMENT, {"counter_name": name, "now": now})).one_or_none()
    return Counter(**row._mapping) if row else None


async def insert_new(session: AsyncSession, name: str, now: datetime) -> Counter | None:
    """Create the counter at 1; None if another request created it first."""
    from smarttask.counters.models import Counter

    statement = (
        upsert(session, counter)
        .values(name=name, value=1, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(*_COLUMNS)
    )
    row = (await session.execute(statement)).one_or_none()
    return Counter(**row._mapping) if row else None


async def reserve_quota(session: AsyncSession, maximum: int) -> bool:
    """Take one slot of the counter quota in one statement; False when it is full."""
    statement = (
        update(counter_quota)
        .where(counter_quota.c.id == 1, counter_quota.c.used < maximum)
        .values(used=counter_quota.c.used + 1)
        .returning(counter_quota.c.used)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def get(session: AsyncSession, name: str) -> Counter | None:
    """One counter by name."""
    from smarttask.counters.models import Counter

    row = (await session.execute(_GET, {"counter_name": name})).one_or_none()
    return Counter(**row._mapping) if row else None


async def increment_committed(database: Database, name: str, now: datetime) -> RowLike | None:
    """Add 1 to an existing counter in one statement committed on its own; None if missing."""
    return await database.fetch_row(_INCREMENT, {"counter_name": name, "now": now}, writes=True)


async def get_committed(database: Database, name: str) -> RowLike | None:
    """One counter by name, read outside any session."""
    return await database.fetch_row(_GET, {"counter_name": name})
