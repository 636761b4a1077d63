"""SQL of time tracking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.tasks.models import Task
from smarttask.timetracking.models import RUNNING_ENTRY, TimeEntry


async def get(session: AsyncSession, entry_id: str) -> TimeEntry | None:
    """An entry by id."""
    return await session.get(TimeEntry, entry_id)


async def list_for_task(
    session: AsyncSession, task_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[TimeEntry]:
    """A task's entries, newest first, after a keyset position."""
    statement = (
        select(TimeEntry)
        .where(TimeEntry.task_id == task_id)
        .order_by(TimeEntry.created_at.desc(), TimeEntry.id.desc())
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(TimeEntry.created_at, TimeEntry.id) < tuple_(*after))
    return list((await session.scalars(statement)).all())


async def running_for(session: AsyncSession, user_id: str) -> TimeEntry | None:
    """The user's running timer (its partial unique index)."""
    statement = select(TimeEntry).where(TimeEntry.user_id == user_id, RUNNING_ENTRY)
    return (await session.scalars(statement)).first()


async def stop(session: AsyncSession, entry_id: str, ended_at: datetime, minutes: int) -> bool:
    """End a running timer unless someone ended it first; whether this call did."""
    result = await session.execute(
        update(TimeEntry.__table__)  # type: ignore[arg-type]
        .where(TimeEntry.id == entry_id, TimeEntry.ended_at.is_(None))
        .values(
            ended_at=ended_at,
            minutes=minutes,
            updated_at=ended_at,
            version=TimeEntry.version + 1,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def add_minutes(session: AsyncSession, task_id: str, delta: int) -> None:
    """Add to a task's time spent atomically, without bumping its version."""
    if delta:
        await session.execute(
            update(Task.__table__)  # type: ignore[arg-type]
            .where(Task.id == task_id)
            .values(time_spent_minutes=Task.time_spent_minutes + delta)
        )
