"""All SQL of saved views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.views.models import SavedView


async def get(session: AsyncSession, view_id: str) -> SavedView | None:
    """A saved view by id."""
    return await session.get(SavedView, view_id)


async def list_visible(
    session: AsyncSession,
    workspace_id: str,
    user_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[SavedView]:
    """A workspace's views this user sees (their own and the shared ones), oldest first."""
    statement = (
        select(SavedView)
        .where(
            SavedView.workspace_id == workspace_id,
            or_(SavedView.owner_id == user_id, SavedView.shared.is_(True)),
        )
        .order_by(SavedView.created_at, SavedView.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(SavedView.created_at, SavedView.id) > tuple_(*after))
    return list((await session.scalars(statement)).all())


async def remove(session: AsyncSession, view_id: str) -> None:
    """Delete a saved view."""
    await session.execute(
        delete(SavedView)
        .where(SavedView.id == view_id)
        .execution_options(synchronize_session=False)
    )
