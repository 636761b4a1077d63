"""Reading the trail: a workspace's or one resource's entries, newest first.

The access check is the caller's: the routes that serve a trail belong to the domain of the
resource (workspaces/routes.py, tasks/routes.py), which checks its viewers first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity import repository
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page


async def _page(
    session: AsyncSession,
    workspace_id: str,
    entity: tuple[str, str] | None,
    cursor: str | None,
    limit: int,
    visible: Callable[[Any], ColumnElement[bool]] | None = None,
) -> Page[ActivityRead]:
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda before, size: repository.newest_first(
            session,
            workspace_id=workspace_id,
            entity=entity,
            before=before,
            limit=size,
            visible=visible,
        ),
        by_creation,
    )
    return rows.read(ActivityRead.model_validate)


async def for_workspace(
    session: AsyncSession,
    workspace_id: str,
    cursor: str | None,
    limit: int,
    visible: Callable[[Any], ColumnElement[bool]] | None = None,
) -> Page[ActivityRead]:
    """Everything that changed in the workspace (its viewers checked by the caller).

    `visible(project_id column)`: the entries of projects hidden from the reader left out.
    """
    return await _page(session, workspace_id, None, cursor, limit, visible)


async def for_entity(
    session: AsyncSession,
    workspace_id: str,
    entity: tuple[str, str],
    cursor: str | None,
    limit: int,
) -> Page[ActivityRead]:
    """Everything that happened to one (entity type, id) of the workspace (caller checks)."""
    return await _page(session, workspace_id, entity, cursor, limit)
