"""Audit trail endpoints (docs/api.md, Activity)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smarttask.accounts.deps import CurrentUser
from smarttask.activity import repository
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page, created_keyset, page_by_creation
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.workspaces.deps import WorkspaceViewer
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["activity"])
TaskId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get(
    "/workspaces/{workspace_id}/activity",
    response_model=Page[ActivityRead],
    responses=problems(401, 404, 422, 503),
)
async def workspace_activity(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ActivityRead]:
    """Everything that changed in the workspace, newest first."""
    rows = await repository.newest_first(
        session,
        workspace_id=access.workspace.id,
        entity=None,
        before=created_keyset(cursor),
        limit=limit + 1,
    )
    return page_by_creation(rows, limit, ActivityRead.model_validate)


@router.get(
    "/tasks/{task_id}/activity",
    response_model=Page[ActivityRead],
    responses=problems(401, 404, 422, 503),
)
async def task_activity(
    task_id: TaskId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ActivityRead]:
    """Everything that happened to one task, newest first."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    rows = await repository.newest_first(
        session,
        workspace_id=task.workspace_id,
        entity=("task", task.id),
        before=created_keyset(cursor),
        limit=limit + 1,
    )
    return page_by_creation(rows, limit, ActivityRead.model_validate)
