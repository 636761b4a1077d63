"""All SQL of the trash's own tables (the snapshots' SQL is in `snapshot`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from smarttask.accounts.models import User
from smarttask.projects.models import Project
from smarttask.tasks.trash.models import TrashedTask, TrashedTaskMember


async def add(session: AsyncSession, item: TrashedTask, task_ids: list[str]) -> None:
    """Store a trash row and the ids of the tasks it holds."""
    session.add(item)
    await session.flush()
    await session.execute(
        insert(TrashedTaskMember), [{"task_id": i, "trash_id": item.id} for i in task_ids]
    )


async def get(session: AsyncSession, trash_id: str) -> TrashedTask | None:
    """A trash row by its (the deleted task's) id."""
    return await session.get(TrashedTask, trash_id)


async def take(session: AsyncSession, trash_id: str) -> bool:
    """Delete a trash row; whether this transaction was the one that deleted it.

    On PostgreSQL a concurrent taker waits for the row's lock, then finds it gone.
    """
    result = await session.execute(delete(TrashedTask).where(TrashedTask.id == trash_id))
    return bool(getattr(result, "rowcount", 0))


async def page(
    session: AsyncSession,
    workspace_id: str,
    *,
    visible: Callable[[Any], ColumnElement[bool]] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[TrashedTask, str | None, str | None, str | None]]:
    """A workspace's trash, newest first: each row with its project's name and its deleter's."""
    statement = (
        select(TrashedTask, Project.name, User.name, User.email)
        .outerjoin(Project, Project.id == TrashedTask.project_id)
        .outerjoin(User, User.id == TrashedTask.deleted_by)
        .where(TrashedTask.workspace_id == workspace_id)
        .options(defer(TrashedTask.snapshot))  # a list never needs the rows it holds
        .order_by(TrashedTask.deleted_at.desc(), TrashedTask.id.desc())
        .limit(limit)
    )
    if visible is not None:
        statement = statement.where(visible(TrashedTask.project_id))
    if after is not None:
        statement = statement.where(
            or_(
                TrashedTask.deleted_at < after[0],
                and_(TrashedTask.deleted_at == after[0], TrashedTask.id < after[1]),
            )
        )
    return [(r[0], r[1], r[2], r[3]) for r in await session.execute(statement)]


async def expired(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Ids of trash rows whose retention has ended, oldest first."""
    statement = (
        select(TrashedTask.id)
        .where(TrashedTask.purge_at <= now)
        .order_by(TrashedTask.purge_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def purge(session: AsyncSession, trash_ids: list[str]) -> int:
    """Delete trash rows for good (their members go with them)."""
    if not trash_ids:
        return 0
    result = await session.execute(delete(TrashedTask).where(TrashedTask.id.in_(trash_ids)))
    return int(getattr(result, "rowcount", 0))
