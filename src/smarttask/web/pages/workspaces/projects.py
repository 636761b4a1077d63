"""A workspace's projects on its settings page: renaming, deleting after confirming."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import service as projects
from smarttask.projects.models import Project
from smarttask.projects.schemas import ProjectUpdate
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import ItemId, Short, WorkspaceId, access
from smarttask.web.pages.workspaces.view import settings_page, shown
from smarttask.web.signin import WebCaller
from smarttask.workspaces.roles import Role

router = APIRouter()
_BASE = "/workspaces/{workspace_id}/settings/projects/{project_id}"


async def _project(
    session: AsyncSession, caller: WebCaller, workspace_id: str, project_id: str
) -> Project:
    """The project (admins, as the API decides), and only under its own workspace's path."""
    project = await projects.load(session, caller.user, project_id, Role.ADMIN)
    if project.workspace_id != workspace_id:
        raise NotFound(projects.MISSING)
    return project


@router.post(_BASE + "/name")
async def rename_project(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    project_id: ItemId,
    name: Short = "",
) -> Response:
    """Rename a project (admins)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    project = await _project(session, caller, workspace_id, project_id)
    values = {"name": name}
    try:
        body = forms.parse(ProjectUpdate, values)
        await projects.update(session, caller.user, project, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request,
            session,
            caller,
            found,
            form=f"project-{project_id}",
            values=values,
            problem=problem,
        )
    return RedirectResponse(f"/workspaces/{workspace_id}/settings", status_code=303)


@router.get(_BASE + "/delete")
async def confirm_delete_project(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    project_id: ItemId,
) -> Response:
    """Ask to confirm deleting the project and all its tasks."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    project = await _project(session, caller, workspace_id, project_id)
    context = {"workspace": found.workspace, "project": project}
    return await page(
        request,
        session,
        caller,
        "workspaces/delete_project.html",
        context,
        workspace_id=workspace_id,
    )


@router.post(_BASE + "/delete")
async def delete_project(
    session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId, project_id: ItemId
) -> Response:
    """Delete the project and its tasks (admins)."""
    await access(session, caller, workspace_id, Role.ADMIN)
    project = await _project(session, caller, workspace_id, project_id)
    await projects.delete(session, caller.user, project)
    return RedirectResponse(f"/workspaces/{workspace_id}/settings", status_code=303)
