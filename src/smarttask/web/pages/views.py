"""Saved views in the web app: a workspace's views, one page per view in its layout (a list
table, a board by status, a month calendar by due date), "Save as view" from a task list's
filters, and the controls that rename, re-lay-out, share and delete a view.

Every route goes through `views.service` with the API's own schemas and rules, so a page
refuses what the API refuses (a filter the lists refuse, sharing as a viewer).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.days import EARLIEST_DAY, LATEST_DAY
from smarttask.kit.pagination import Cursor, Page
from smarttask.kit.problems import PreconditionFailed, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.tasks.schemas import Status, TaskRead
from smarttask.views import params, service
from smarttask.views.models import SavedView
from smarttask.views.schemas import Layout, ViewCreate, ViewUpdate
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages import view_parts
from smarttask.web.pages.projects.cards import STATUS_LABELS, people_of
from smarttask.web.pages.workspaces.common import WorkspaceId, access
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
ViewId = Annotated[str, Path(min_length=1, max_length=64)]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
LIST_SIZE = 50
# Fields of the "Save as view" and edit forms that are the view's own, not list filters.
_OWN = ("csrf_token", "name", "layout", "shared", "sort", "version")
_SAVED = {
    "created": "The view is saved.",
    "updated": "The view is saved.",
    "deleted": "The view is deleted.",
}


def _filters_of(form: Any) -> dict[str, str | list[str]]:
    """The list filters a form sent: every field but the view's own, empty ones left out."""
    found: dict[str, str | list[str]] = {}
    for name in dict.fromkeys(form.keys()):
        if name in _OWN:
            continue
        values = [str(v).strip() for v in form.getlist(name) if str(v).strip()]
        if values:
            several = len(values) > 1 or params.repeatable(name)
            found[name] = values if several else values[0]
    return found


@router.get("/workspaces/{workspace_id}/views")
async def views_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    cursor: Cursor = None,
) -> Response:
    """The workspace's views the caller sees, and how to make one."""
    found = await access(session, caller, workspace_id)
    listed = await service.list_views(session, found, cursor, LIST_SIZE)
    context = {
        "workspace": found.workspace,
        "views": listed,
        "cursor": cursor,
        "role": found.role,
        "notice": _SAVED.get(request.query_params.get("saved", "")),
    }
    return await page(
        request, session, caller, "views/list.html", context, workspace_id=found.workspace.id
    )


@router.post("/workspaces/{workspace_id}/views")
async def save_view(
    request: Request, session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId
) -> Response:
    """Save a view from a task list's filters ("Save as view")."""
    found = await access(session, caller, workspace_id)
    form = await request.form()
    values = {
        "name": str(form.get("name", "")),
        "layout": str(form.get("layout", "list")) or "list",
        "shared": form.get("shared") == "on",
        "sort": str(form.get("sort", "")).strip() or None,
        "filters": _filters_of(form),
    }
    try:
        body = forms.parse(ViewCreate, values)
        view = await service.create(session, found, body)
    except ProblemError as problem:
        if problem.status not in (403, 422):
            raise
        context = {"workspace": found.workspace, "values": values, "problem": problem}
        return await page(
            request,
            session,
            caller,
            "views/refused.html",
            context,
            workspace_id=found.workspace.id,
            status=problem.status,
        )
    return RedirectResponse(f"/views/{view.id}?saved=created", status_code=303)


@router.get("/views/{view_id}")
async def view_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    view_id: ViewId,
    cursor: Cursor = None,
    month: Month = None,
    status: Annotated[Status | None, Query()] = None,
    day: Annotated[date | None, Query(ge=EARLIEST_DAY, le=LATEST_DAY)] = None,
) -> Response:
    """One view, in its layout; `status` (a board column) or `day` (a calendar day) shows
    that part of it as a list, page by page."""
    view, found = await service.load(session, caller.user, view_id)
    part = view_parts.Part(status, day)
    return await _render(request, session, caller, view, found, cursor, month, part)


async def _render(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    view: SavedView,
    found: WorkspaceAccess,
    cursor: str | None,
    month: str | None,
    part: view_parts.Part | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The view's page in its layout (with a refusal's message when there is one)."""
    part = part or view_parts.Part()
    query = await service.query_of(session, found, view, cursor)
    people = await people_of(session, found)
    context: dict[str, Any] = {
        "workspace": found.workspace,
        "view": service.to_read(view),
        "filters": await view_parts.filter_summary(session, view, people),
        "sort": view_parts.sort_in_words(view.sort),
        "people": people,
        "statuses": STATUS_LABELS,
        "may_change": view.owner_id == found.user.id or found.role.at_least(Role.ADMIN),
        "may_share": found.role.at_least(Role.MEMBER),
        "layouts": [layout.value for layout in Layout],
        "notice": _SAVED.get(request.query_params.get("saved", "")),
        "error": error,
        "cursor": cursor,
        "part": part,
    }
    if part.label is not None:
        narrowed = part.narrow(query)
        empty: Page[TaskRead] = Page(items=[], next_cursor=None)
        found_page = (
            empty if narrowed is None else await tasks.list_page(session, narrowed, LIST_SIZE)
        )
        context |= {"page": found_page, "layout": "list"}
    elif view.layout == Layout.CALENDAR.value:
        first = view_parts.first_of_month(month)
        following = (first + timedelta(days=32)).replace(day=1)
        items, capped = await view_parts.month_tasks(session, query, first)
        previous = (first - timedelta(days=1)).replace(day=1)
        context |= {
            "layout": "calendar",
            "month_items": len(items),
            "capped": capped,
            "day_size": view_parts.DAY_SIZE,
            "month": first,
            "weeks": view_parts.calendar_weeks(first, items),
            "previous_month": previous.strftime("%Y-%m"),
            "next_month": following.strftime("%Y-%m"),
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        }
    elif view.layout == Layout.BOARD.value:
        context |= {"layout": "board", "columns": await view_parts.board_columns(session, query)}
    else:
        context |= {"page": await tasks.list_page(session, query, LIST_SIZE), "layout": "list"}
    return await page(
        request,
        session,
        caller,
        "views/view.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.post("/views/{view_id}/edit")
async def edit_view(
    request: Request, session: SessionDep, caller: PageCaller, view_id: ViewId
) -> Response:
    """Rename the view, change its layout, share or unshare it (its owner, or an admin)."""
    view, found = await service.load(session, caller.user, view_id)
    form = await request.form()
    try:
        if str(form.get("version", "")) != str(view.version):
            raise PreconditionFailed("The view was changed meanwhile; here it is as it is now.")
        values = {
            "name": str(form.get("name", "")),
            "layout": str(form.get("layout", view.layout)),
            "shared": form.get("shared") == "on",
        }
        await service.update(session, found, view, forms.parse(ViewUpdate, values))
    except ProblemError as problem:
        if problem.status not in (403, 412, 422):
            raise
        await session.refresh(view)
        return await _render(
            request,
            session,
            caller,
            view,
            found,
            None,
            None,
            error=problem.detail,
            status=problem.status,
        )
    return RedirectResponse(f"/views/{view_id}?saved=updated", status_code=303)


@router.post("/views/{view_id}/delete")
async def delete_view(session: SessionDep, caller: PageCaller, view_id: ViewId) -> Response:
    """Delete the view; back to the workspace's views."""
    view, found = await service.load(session, caller.user, view_id)
    await service.delete(session, found, view)
    return RedirectResponse(
        f"/workspaces/{found.workspace.id}/views?saved=deleted", status_code=303
    )
