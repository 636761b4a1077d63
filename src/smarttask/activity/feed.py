"""Reading the trail: a workspace's or one task's entries, newest first, to its viewers.

Apart from `service` (which records), because every service that records imports that one
and this one loads tasks through the task service.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import repository
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.tasks import service as tasks
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role


async def _page(
    session: AsyncSession,
    workspace_id: str,
    entity: tuple[str, str] | None,
    cursor: str | None,
    limit: int,
) -> Page[ActivityRead]:
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda before, size: repository.newest_first(
            session, workspace_id=workspace_id, entity=entity, before=before, limit=size
        ),
        by_creation,
    )
    return rows.read(ActivityRead.model_validate)


async def for_workspace(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[ActivityRead]:
    """Everything that changed in the workspace (`access` is a viewer's, checked by the route)."""
    return await _page(session, access.workspace.id, None, cursor, limit)


async def for_task(
    session: AsyncSession, user: User, task_id: str, cursor: str | None, limit: int
) -> Page[ActivityRead]:
    """Everything that happened to one task, to its workspace's viewers (404 otherwise)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    return await _page(session, task.workspace_id, ("task", task.id), cursor, limit)
