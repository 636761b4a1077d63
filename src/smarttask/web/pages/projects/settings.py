"""A project's settings page: who sees the project (its visibility) and its project members.

Anyone who sees the project may open the page and read who is in it; its forms are for the
workspace's admins and owners, as in the API (a member or viewer who sends one anyway gets
the 403 page). Every route opens the project through `projects.members.open_project`, so a
private project one is not in, or another tenant's, is the 404 page; changes go through the
services and request schemas the API routes use (`projects.service.update` with
`ProjectUpdate`, `projects.members` with `ProjectMemberAdd`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import members
from smarttask.projects import service as projects
from smarttask.projects.member_schemas import ProjectMemberAdd
from smarttask.projects.models import Project
from smarttask.projects.schemas import ProjectUpdate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Short
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
LISTED = 100  # project members per page
CHOICES = 500  # workspace members offered in the "add" select
_SAVED = {
    "private": "The project is private: only its members, and the workspace's admins and "
    "owners, see it and its tasks.",
    "workspace": "Everyone in the workspace sees the project again.",
    "added": "Added to the project.",
    "removed": "Removed from the project.",
}
# The refusals a form shows on the page itself; others are the error page (403, 404).
_SHOWN = (409, 422)


def _back(project: Project, saved: str) -> Response:
    return RedirectResponse(f"/projects/{project.id}/settings?saved={saved}", status_code=303)


async def _settings_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    project: Project,
    access: WorkspaceAccess,
    *,
    cursor: str | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    problem: ProblemError | None = None,
) -> Response:
    can_manage = access.role.at_least(Role.ADMIN)
    listed = await members.list_members(session, project, cursor, LISTED)
    choices = await members.candidates(session, project, CHOICES) if can_manage else []
    context: dict[str, Any] = {
        "project": project,
        "workspace": access.workspace,
        "view": "settings",
        "can_manage": can_manage,
        "members": listed.items,
        "next_cursor": listed.next_cursor,
        "cursor": cursor,
        "choices": choices,
        "choices_full": len(choices) >= CHOICES,
        "form": form,
        "values": values or {},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
        "notice": None if problem else _SAVED.get(request.query_params.get("saved", "")),
    }
    return await page(
        request,
        session,
        caller,
        "projects/settings.html",
        context,
        workspace_id=project.workspace_id,
        status=problem.status if problem else 200,
    )


@router.get("/projects/{project_id}/settings")
async def project_settings(
    request: Request, session: SessionDep, caller: PageCaller, project_id: Id, cursor: Cursor = None
) -> Response:
    """Who sees the project and who is in it; the forms that change them for admins."""
    project, access = await members.open_project(session, caller.user, project_id, Role.VIEWER)
    return await _settings_page(request, session, caller, project, access, cursor=cursor)


@router.post("/projects/{project_id}/settings/visibility")
async def change_visibility(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    visibility: Short = "",
) -> Response:
    """Make the project private, or visible to the whole workspace again (admins)."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    values = {"visibility": visibility}
    try:
        body = forms.parse(ProjectUpdate, values)
        await projects.update(session, caller.user, project, body)
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        return await _settings_page(
            request, session, caller, project, access, form="visibility", problem=problem
        )
    return _back(project, project.visibility)


@router.post("/projects/{project_id}/members")
async def add_member(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    user_id: Short = "",
) -> Response:
    """Let a member of the workspace into the project (admins)."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    values = {"user_id": user_id}
    try:
        body = forms.parse(ProjectMemberAdd, values)
        await members.add(session, access, project, body.user_id)
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        return await _settings_page(
            request, session, caller, project, access, form="add", values=values, problem=problem
        )
    return _back(project, "added")


@router.post("/projects/{project_id}/members/{user_id}/remove")
async def remove_member(
    session: SessionDep, caller: PageCaller, project_id: Id, user_id: Id
) -> Response:
    """Take someone out of the project (admins)."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    await members.remove(session, access, project, user_id)
    return _back(project, "removed")
