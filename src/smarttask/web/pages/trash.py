"""A workspace's Trash page: deleted tasks until their purge, with Restore (members) and
Delete forever (admins). Every action goes through the trash service the API uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks.trash import repository as trash_rows
from smarttask.tasks.trash import service
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import WorkspaceId, access
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
TaskId = Annotated[str, Path(min_length=1, max_length=64)]
PAGE_SIZE = 50
_SAVED = {
    "restored": "The task is back, with its subtasks, comments and files.",
    "purged": "The task is deleted for good.",
}


async def _trash_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    found: WorkspaceAccess,
    *,
    cursor: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    listed = await service.list_page(session, found, cursor, PAGE_SIZE)
    context = {
        "workspace": found.workspace,
        "trash": listed,
        "cursor": cursor,
        "can_restore": found.role.at_least(Role.MEMBER),
        "can_purge": found.role.at_least(Role.ADMIN),
        "notice": _SAVED.get(request.query_params.get("saved", "")),
        "restored_id": request.query_params.get("task"),
        "error": error,
    }
    return await page(
        request,
        session,
        caller,
        "workspaces/trash.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/workspaces/{workspace_id}/trash")
async def trash_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    cursor: Cursor = None,
) -> Response:
    """The workspace's deleted tasks, newest first (every role sees the list)."""
    found = await access(session, caller, workspace_id)
    return await _trash_page(request, session, caller, found, cursor=cursor)


async def _workspace_of(session: AsyncSession, task_id: str) -> str | None:
    item = await trash_rows.get(session, task_id)
    return item.workspace_id if item else None


@router.post("/trash/{task_id}/restore")
async def restore(
    request: Request, session: SessionDep, caller: PageCaller, task_id: TaskId
) -> Response:
    """Restore a task (members); a refusal (its project is gone) is shown on the page."""
    workspace_id = await _workspace_of(session, task_id)
    try:
        task, _, _ = await service.restore(session, caller.user, task_id)
    except ProblemError as problem:
        if problem.status != 409 or workspace_id is None:
            raise
        found = await access(session, caller, workspace_id)
        return await _trash_page(request, session, caller, found, error=problem.detail, status=409)
    return RedirectResponse(
        f"/workspaces/{task.workspace_id}/trash?saved=restored&task={task.id}", status_code=303
    )


@router.post("/trash/{task_id}/delete")
async def delete_forever(session: SessionDep, caller: PageCaller, task_id: TaskId) -> Response:
    """Delete a task of the trash for good (admins)."""
    workspace_id = await _workspace_of(session, task_id)
    await service.delete_forever(session, caller.user, task_id)
    return RedirectResponse(f"/workspaces/{workspace_id}/trash?saved=purged", status_code=303)
