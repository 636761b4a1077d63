"""Trash endpoints (docs/api.md, Trash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.tasks.trash import service
from smarttask.tasks.trash.schemas import RestoredTask, TrashItem
from smarttask.workspaces.deps import WorkspaceViewer

router = APIRouter(tags=["trash"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.get(
    "/workspaces/{workspace_id}/trash",
    response_model=Page[TrashItem],
    responses=problems(*_ERRORS, 422),
)
async def list_trash(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[TrashItem]:
    """The workspace's deleted tasks, newest first, until their purge."""
    return await service.list_page(session, access, cursor, limit)


@router.post(
    "/tasks/{task_id}/restore",
    response_model=RestoredTask,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def restore_task(
    task_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> RestoredTask:
    """Bring a deleted task back with its subtasks, comments and links (members)."""
    task, key, dropped = await service.restore(session, user, task_id)
    body = await tasks.read_one(session, task, key)
    response.headers["ETag"] = etag(task.version)
    response.headers["Location"] = f"/api/v1/tasks/{task.id}"
    return RestoredTask(**body.model_dump(), dropped=dropped)


@router.delete(
    "/trash/{task_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403),
)
async def delete_forever(task_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a task in the trash for good, now (workspace admins)."""
    await service.delete_forever(session, user, task_id)
    return Response(status_code=204)
