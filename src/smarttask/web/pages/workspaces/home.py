"""The list of one's workspaces, creating one, the switcher, and a workspace's home."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask.db.types import utcnow
from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import service as projects
from smarttask.projects.schemas import ProjectCreate
from smarttask.tasks import open_work
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Long, Short, WorkspaceId, access
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role
from smarttask.workspaces.schemas import WorkspaceCreate

router = APIRouter()
PAGE_SIZE = 100


async def _list_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    cursor: str | None = None,
    *,
    values: dict[str, str] | None = None,
    problem: ProblemError | None = None,
) -> Response:
    mine = await workspaces.list_for_user(session, caller.user, cursor, PAGE_SIZE)
    context = {
        "mine": mine.items,
        "next_cursor": mine.next_cursor,
        "values": values or {},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
    }
    status = problem.status if problem else 200
    return await page(request, session, caller, "workspaces/list.html", context, status=status)


@router.get("/workspaces")
async def list_workspaces(
    request: Request, session: SessionDep, caller: PageCaller, cursor: Cursor = None
) -> Response:
    """My workspaces with my role in each, and the form that creates one."""
    return await _list_page(request, session, caller, cursor)


@router.post("/workspaces")
async def create_workspace(
    request: Request, session: SessionDep, caller: PageCaller, name: Short = ""
) -> Response:
    """Create a workspace (the instance's per-user limit applies, as in the API)."""
    values = {"name": name}
    try:
        body = forms.parse(WorkspaceCreate, values)
        limit = request.app.state.settings.max_workspaces_per_user
        workspace, _ = await workspaces.create(
            session, caller.user, body.name, max_workspaces=limit
        )
    except ProblemError as problem:
        if problem.status not in (409, 422):
            raise
        return await _list_page(request, session, caller, values=values, problem=problem)
    return RedirectResponse(f"/workspaces/{workspace.id}", status_code=303)


@router.get("/workspaces/switch")
async def switch(
    session: SessionDep,
    caller: PageCaller,
    workspace_id: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The header's switcher: on to the chosen workspace (a non-member's choice is a 404)."""
    if not workspace_id:
        return RedirectResponse("/workspaces", status_code=303)
    found = await access(session, caller, workspace_id)
    return RedirectResponse(f"/workspaces/{found.workspace.id}", status_code=303)


async def _home(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    found: WorkspaceAccess,
    cursor: str | None = None,
    *,
    values: dict[str, str] | None = None,
    problem: ProblemError | None = None,
) -> Response:
    listed = await projects.list_in_workspace(session, found, cursor, PAGE_SIZE)
    work = await open_work.of_projects(session, [p.id for p in listed.items], utcnow())
    context: dict[str, Any] = {
        "work": work,
        "cap": open_work.CAP,
        "workspace": found.workspace,
        "role": found.role,
        "can_manage": found.role.at_least(Role.ADMIN),
        "projects": listed.items,
        "next_cursor": listed.next_cursor,
        "values": values or {},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
    }
    return await page(
        request,
        session,
        caller,
        "workspaces/home.html",
        context,
        workspace_id=found.workspace.id,
        status=problem.status if problem else 200,
    )


@router.get("/workspaces/{workspace_id}")
async def workspace_home(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    cursor: Cursor = None,
) -> Response:
    """A workspace: its projects and, for admins, the form that creates one."""
    found = await access(session, caller, workspace_id)
    return await _home(request, session, caller, found, cursor)


@router.post("/workspaces/{workspace_id}/projects")
async def create_project(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    name: Short = "",
    key: Short = "",
    description: Long = "",
    visibility: Short = "workspace",
) -> Response:
    """Create a project (admins, as in the API); back to the workspace, which lists it."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"name": name, "key": key, "description": description, "visibility": visibility}
    try:
        body = forms.parse(
            ProjectCreate,
            {
                "name": name,
                "key": key.strip().upper(),
                "description": description or None,
                "visibility": visibility,
            },
        )
        await projects.create(session, found, body)
    except ProblemError as problem:
        if problem.status not in (409, 422):
            raise
        return await _home(request, session, caller, found, values=values, problem=problem)
    return RedirectResponse(f"/workspaces/{workspace_id}", status_code=303)
