"""Audit trail endpoints (docs/api.md, Activity)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smarttask.accounts.deps import CurrentUser
from smarttask.activity import feed
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workspaces.deps import WorkspaceViewer

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
    return await feed.for_workspace(session, access, cursor, limit)


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
    return await feed.for_task(session, user, task_id, cursor, limit)
