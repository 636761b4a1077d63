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
    session: AsyncSession,
    task_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    newest_first: bool = False,
) -> list[Comment]:
    """A task's comments, oldest (or newest) first, after a keyset position."""
    position = tuple_(Comment.created_at, Comment.id)
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first else position.clauses
    statement = select(Comment).where(Comment.task_id == task_id).order_by(*order).limit(limit)
    if after is not None:
        later = position < tuple_(*after) if newest_first else position > tuple_(*after)
        statement = statement.where(later)
    return list((await session.execute(statement)).scalars())
