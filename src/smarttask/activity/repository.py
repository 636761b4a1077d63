"""All SQL of the trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity.models import Activity


async def newest_first(
    session: AsyncSession,
    *,
    workspace_id: str,
    entity: tuple[str, str] | None,
    before: tuple[datetime, str] | None,
    limit: int,
    visible: Callable[[Any], ColumnElement[bool]] | None = None,
) -> list[Activity]:
    """Entries of a workspace (or of one entity in it), newest first, before a keyset position.

    `visible(project_id column)`: the condition an entry's project must meet, if any.
    """
    statement = select(Activity).where(Activity.workspace_id == workspace_id)
    if visible is not None:
        statement = statement.where(visible(Activity.project_id))
    if entity is not None:
        statement = statement.where(
            Activity.entity_type == entity[0], Activity.entity_id == entity[1]
        )
    if before is not None:
        statement = statement.where(tuple_(Activity.created_at, Activity.id) < tuple_(*before))
    statement = statement.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())
