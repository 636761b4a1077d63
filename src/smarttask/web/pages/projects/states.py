"""A project's workflow states page: its board's columns, and for admins the forms that add,
rename, recolour, reorder and delete them (through the workflow service the API uses).

A private project one is not in, or another tenant's, is the 404 page; a member or viewer
who sends a form anyway gets the 403 page. Refusals of the form itself (a taken name, a bad
colour, tasks with nowhere to go) are shown on the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import members
from smarttask.projects.models import Project
from smarttask.tasks import ordering, state_removal
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Short
from smarttask.web.signin import WebCaller
from smarttask.workflow import service as workflow
from smarttask.workflow.models import WorkflowState
from smarttask.workflow.schemas import Category, StateCreate, StateUpdate
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
_SHOWN = (409, 422)
CATEGORY_NAMES = {
    Category.TODO.value: "To do",
    Category.IN_PROGRESS.value: "In progress",
    Category.DONE.value: "Done",
    Category.CANCELLED.value: "Cancelled",
}


async def _states_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    project: Project,
    access: WorkspaceAccess,
    *,
    form: str | None = None,
    values: dict[str, str] | None = None,
    problem: ProblemError | None = None,
) -> Response:
    columns = await ordering.board_columns(session, project.id)
    context: dict[str, Any] = {
        "project": project,
        "workspace": access.workspace,
        "view": "states",
        "can_manage": access.role.at_least(Role.ADMIN),
        "states": [state for state, _ in columns],
        "counts": {state.id: count for state, count in columns},
        "categories": CATEGORY_NAMES,
        "form": form,
        "values": values or {},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
        "notice": request.query_params.get("saved") == "1" and not problem,
    }
    return await page(
        request,
        session,
        caller,
        "projects/states.html",
        context,
        workspace_id=project.workspace_id,
        status=problem.status if problem else 200,
    )


def _back(project: Project) -> Response:
    return RedirectResponse(f"/projects/{project.id}/states?saved=1", status_code=303)


async def _state_of(
    session: AsyncSession, caller: WebCaller, project: Project, state_id: str
) -> WorkflowState:
    state = await workflow.load(session, caller.user, state_id, Role.ADMIN)
    if state.project_id != project.id:
        raise NotFound(workflow.MISSING)
    return state


@router.get("/projects/{project_id}/states")
async def states_page(
    request: Request, session: SessionDep, caller: PageCaller, project_id: Id
) -> Response:
    """The project's workflow states in board order, with the admins' forms."""
    project, access = await members.open_project(session, caller.user, project_id, Role.VIEWER)
    return await _states_page(request, session, caller, project, access)


@router.post("/projects/{project_id}/states")
async def add_state(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    name: Short = "",
    category: Short = "",
    color: Short = "#6b7280",
) -> Response:
    """Add a state at the end of the board (admins)."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    values = {"name": name, "category": category, "color": color}
    try:
        await workflow.create(session, caller.user, project.id, forms.parse(StateCreate, values))
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        return await _states_page(
            request, session, caller, project, access, form="add", values=values, problem=problem
        )
    return _back(project)


@router.post("/projects/{project_id}/states/{state_id}")
async def change_state(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    state_id: Id,
    name: Short = "",
    color: Short = "",
    position: Short = "",
) -> Response:
    """Rename, recolour or move a state (admins): only the fields sent change."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    state = await _state_of(session, caller, project, state_id)
    values: dict[str, Any] = {"name": name, "color": color}
    values = {field: value for field, value in values.items() if value}
    if position:
        values["position"] = int(position) if position.isdigit() else position
    try:
        await workflow.update(session, caller.user, state, forms.parse(StateUpdate, values))
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        shown = {"name": name, "color": color}
        return await _states_page(
            request, session, caller, project, access, form=state.id, values=shown, problem=problem
        )
    return _back(project)


@router.post("/projects/{project_id}/states/{state_id}/delete")
async def delete_state(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    state_id: Id,
    move_to: Short = "",
) -> Response:
    """Delete a state (admins); its tasks go to `move_to`, whose category they take."""
    project, access = await members.open_project(session, caller.user, project_id, Role.ADMIN)
    state = await _state_of(session, caller, project, state_id)
    try:
        await state_removal.delete_state(session, caller.user, state, move_to or None)
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        return await _states_page(
            request, session, caller, project, access, form=f"delete-{state.id}", problem=problem
        )
    return _back(project)
