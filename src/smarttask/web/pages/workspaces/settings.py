"""A workspace's settings page, renaming it, and deleting it (owners, after confirming)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Short, WorkspaceId, access
from smarttask.web.pages.workspaces.view import settings_page, shown
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.roles import Role
from smarttask.workspaces.schemas import WorkspaceUpdate

router = APIRouter()


@router.get("/workspaces/{workspace_id}/settings")
async def workspace_settings(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    members_cursor: Cursor = None,
) -> Response:
    """Members and roles, the name, the projects; read-only below the admin role."""
    found = await access(session, caller, workspace_id)
    return await settings_page(request, session, caller, found, members_cursor=members_cursor)


@router.post("/workspaces/{workspace_id}/settings/name")
async def rename_workspace(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    name: Short = "",
) -> Response:
    """Rename the workspace (admins)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"name": name}
    try:
        body = forms.parse(WorkspaceUpdate, values)
        await workspaces.update(session, found, body.name)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form="rename", values=values, problem=problem
        )
    return RedirectResponse(f"/workspaces/{workspace_id}/settings", status_code=303)


@router.post("/workspaces/{workspace_id}/settings/timezone")
async def change_timezone(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    timezone: Short = "",
) -> Response:
    """Change the workspace's time zone (admins); its analytics are recounted in it."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"timezone": timezone.strip()}
    try:
        body = forms.parse(WorkspaceUpdate, values)
        await workspaces.update(session, found, None, body.timezone)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form="timezone", values=values, problem=problem
        )
    return RedirectResponse(f"/workspaces/{workspace_id}/settings", status_code=303)


@router.get("/workspaces/{workspace_id}/settings/delete")
async def confirm_delete(
    request: Request, session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId
) -> Response:
    """Ask the owner to confirm deleting the workspace and everything in it."""
    found = await access(session, caller, workspace_id, Role.OWNER)
    context = {"workspace": found.workspace}
    return await page(
        request,
        session,
        caller,
        "workspaces/delete.html",
        context,
        workspace_id=found.workspace.id,
    )


@router.post("/workspaces/{workspace_id}/settings/delete")
async def delete_workspace(
    session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId
) -> Response:
    """Delete the workspace (owners); on to the list of the others."""
    found = await access(session, caller, workspace_id, Role.OWNER)
    await workspaces.delete(session, found)
    return RedirectResponse("/workspaces", status_code=303)
