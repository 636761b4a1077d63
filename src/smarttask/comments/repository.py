"""All SQL of comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.comments.models import Comment


async def get(session: AsyncSession, comment_id: str) -> Comment | None:
    """A comment by id."""
    return await session.get(Comment, comment_id)


async def list_for_task(
    session: AsyncSession, task_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[Comment]:
    """A task's comments, oldest first, after a keyset position."""
    statement = (
        select(Comment)
        .where(Comment.task_id == task_id)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Comment.created_at, Comment.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())
