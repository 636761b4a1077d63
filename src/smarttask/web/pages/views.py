"""Saved views in the web app: a workspace's views, one page per view in its layout (a list
table, a board by status, a month calendar by due date), "Save as view" from a task list's
filters, and the controls that rename, re-lay-out, share and delete a view.

Every route goes through `views.service` with the API's own schemas and rules, so a page
refuses what the API refuses (a filter the lists refuse, sharing as a viewer).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.db.types import utcnow
from smarttask.kit.pagination import Cursor, Page
from smarttask.kit.problems import PreconditionFailed, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects.models import Project
from smarttask.tasks import service as tasks
from smarttask.tasks.mine import ME
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import Status, TaskRead
from smarttask.views import params, service
from smarttask.views.models import SavedView
from smarttask.views.schemas import Layout, ViewCreate, ViewUpdate
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.projects.cards import STATUS_LABELS, people_of
from smarttask.web.pages.workspaces.common import WorkspaceId, access
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
ViewId = Annotated[str, Path(min_length=1, max_length=64)]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
LIST_SIZE = 50
# A board column shows this many cards, then links to the rest as a list (`?status=`).
COLUMN_SIZE = 50
# A calendar day shows this many tasks, then links to the rest as a list (`?day=`).
DAY_SIZE = 4
# A month's calendar reads its tasks a page of PAGE_SIZE at a time, at most MONTH_CAP.
PAGE_SIZE = 100
MONTH_CAP = 1000
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


# How the view page names each list filter (others keep their parameter's name).
_FILTER_NAMES = {
    "project_id": "Project",
    "status": "Status",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "label": "Label",
    "due_before": "Due before",
    "due_after": "Due after",
    "q": "Search",
    "risk": "Risk",
}


# How the view page names its sort ("-" first: descending).
_SORT_NAMES = {
    "created_at": "creation",
    "updated_at": "last change",
    "due_at": "due date",
    "priority": "priority",
    "rank": "board order",
}


def _sort_in_words(sort: str | None) -> str | None:
    """The view's sort as the page says it (a custom field's by "custom field")."""
    if sort is None:
        return None
    name = sort.lstrip("-")
    words = _SORT_NAMES.get(name, "custom field" if name.startswith("field.") else name)
    return words + (", descending" if sort.startswith("-") else "")


async def _filter_summary(
    session: AsyncSession, view: SavedView, people: dict[str, str]
) -> list[tuple[str, str]]:
    """The view's filters as (name, value) in words: statuses, people and the project by
    name (the project was loaded with the caller's access by the view's query)."""
    summary = []
    for name, raw in view.filters.items():
        values = [raw] if isinstance(raw, str) else list(raw)
        if name == "status":
            values = [STATUS_LABELS.get(v, v) for v in values]
        elif name == "assignee_id":
            values = ["me" if v == ME else people.get(v, v) for v in values]
        elif name == params.PROJECT:
            project = await session.get(Project, raw)
            values = [project.name if project is not None else str(raw)]
        summary.append((_FILTER_NAMES.get(name, name), ", ".join(values)))
    return summary


def _month(month: str | None) -> date:
    if month is None:
        today = utcnow().date()
        return today.replace(day=1)
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def _calendar_weeks(first: date, items: list[Any]) -> list[list[tuple[date | None, list[Any]]]]:
    """The month as weeks (Monday first) of (day or None, that day's tasks)."""
    by_day: dict[date, list[Any]] = {}
    for task in items:
        if task.due_at is not None:
            by_day.setdefault(task.due_at.astimezone(UTC).date(), []).append(task)
    weeks = calendar.Calendar().monthdayscalendar(first.year, first.month)
    return [
        [
            (first.replace(day=d), by_day.get(first.replace(day=d), [])) if d else (None, [])
            for d in week
        ]
        for week in weeks
    ]


def _due_within(query: TaskQuery, first: date, following: date) -> TaskQuery:
    """The query narrowed to tasks due from `first` (UTC) to before `following`."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(microseconds=1)
    end = datetime(following.year, following.month, following.day, tzinfo=UTC)
    return replace(
        query,
        due_after=max(query.due_after, start) if query.due_after else start,
        due_before=min(query.due_before, end) if query.due_before else end,
    )


def _of_status(query: TaskQuery, status: Status) -> TaskQuery | None:
    """The query narrowed to one status; None when the view's own statuses leave it out."""
    if query.statuses and status.value not in query.statuses:
        return None
    return replace(query, statuses=(status.value,))


@router.get("/views/{view_id}")
async def view_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    view_id: ViewId,
    cursor: Cursor = None,
    month: Month = None,
    status: Annotated[Status | None, Query()] = None,
    day: Annotated[date | None, Query()] = None,
) -> Response:
    """One view, in its layout; `status` (a board column) or `day` (a calendar day) shows
    that part of it as a list, page by page."""
    view, found = await service.load(session, caller.user, view_id)
    part = Part(status, day)
    return await _render(request, session, caller, view, found, cursor, month, part)


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a view shown as a list: one board column, or one calendar day."""

    status: Status | None = None
    day: date | None = None

    def narrow(self, query: TaskQuery) -> TaskQuery | None:
        """The view's query narrowed to this part; None when nothing can match."""
        if self.day is not None:
            query = _due_within(query, self.day, self.day + timedelta(days=1))
        return query if self.status is None else _of_status(query, self.status)

    @property
    def label(self) -> str | None:
        """What the part is, for the page's heading; None for the whole view."""
        if self.status is not None:
            return STATUS_LABELS[self.status.value]
        if self.day is not None:
            return "Due " + self.day.strftime("%A %d %B %Y")
        return None

    @property
    def query_string(self) -> str:
        """The part's own query parameters, for its next-page link."""
        if self.status is not None:
            return f"status={self.status.value}&"
        return f"day={self.day.isoformat()}&" if self.day is not None else ""


async def _month_tasks(
    session: AsyncSession, found: WorkspaceAccess, view: SavedView, first: date
) -> tuple[list[TaskRead], bool]:
    """The view's tasks due in the month, a page at a time up to MONTH_CAP; whether more."""
    following = (first + timedelta(days=32)).replace(day=1)
    items: list[TaskRead] = []
    cursor: str | None = None
    while True:
        query = _due_within(await service.query_of(session, found, view, cursor), first, following)
        found_page = await tasks.list_page(session, query, PAGE_SIZE)
        items += found_page.items
        cursor = found_page.next_cursor
        if cursor is None or len(items) >= MONTH_CAP:
            return items, cursor is not None


async def _board_columns(
    session: AsyncSession, query: TaskQuery
) -> dict[str, tuple[list[TaskRead], bool]]:
    """Each status's first COLUMN_SIZE cards (one statement a column), and whether more."""
    columns: dict[str, tuple[list[TaskRead], bool]] = {}
    for status in Status:
        narrowed = _of_status(replace(query, after=None), status)
        if narrowed is None:
            columns[status.value] = ([], False)
            continue
        found_page = await tasks.list_page(session, narrowed, COLUMN_SIZE)
        columns[status.value] = (found_page.items, found_page.next_cursor is not None)
    return columns


async def _render(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    view: SavedView,
    found: WorkspaceAccess,
    cursor: str | None,
    month: str | None,
    part: Part | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The view's page in its layout (with a refusal's message when there is one)."""
    part = part or Part()
    query = await service.query_of(session, found, view, cursor)
    people = await people_of(session, found)
    context: dict[str, Any] = {
        "workspace": found.workspace,
        "view": service.to_read(view),
        "filters": await _filter_summary(session, view, people),
        "sort": _sort_in_words(view.sort),
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
        first = _month(month)
        following = (first + timedelta(days=32)).replace(day=1)
        items, capped = await _month_tasks(session, found, view, first)
        previous = (first - timedelta(days=1)).replace(day=1)
        context |= {
            "layout": "calendar",
            "month_items": len(items),
            "capped": capped,
            "day_size": DAY_SIZE,
            "month": first,
            "weeks": _calendar_weeks(first, items),
            "previous_month": previous.strftime("%Y-%m"),
            "next_month": following.strftime("%Y-%m"),
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        }
    elif view.layout == Layout.BOARD.value:
        context |= {"layout": "board", "columns": await _board_columns(session, query)}
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
