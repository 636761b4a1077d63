"""The home page, /my-tasks: the tasks assigned to me in all my workspaces, with the filters
of the task lists (open ones, soonest due first, unless the filters say otherwise)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.db.types import utcnow
from smarttask.kit.pagination import Cursor, Page
from smarttask.kit.problems import ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.tasks.mine import my_query
from smarttask.tasks.schemas import TaskRead
from smarttask.web import layout
from smarttask.web.deps import PageCaller
from smarttask.web.pages.projects.cards import Cards, page_url
from smarttask.web.pages.projects.common import is_htmx
from smarttask.web.pages.projects.filters import Filters
from smarttask.web.render import render
from smarttask.workspaces import service as workspaces

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
SORTS = (
    ("", "Due soonest (or best match)"),
    ("-due_at", "Due latest"),
    ("-priority", "Highest priority"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
)


@router.get("/my-tasks")
async def my_tasks(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    filters: Filters,
    cursor: Cursor = None,
) -> Response:
    """My tasks with the list filters; "Load more" pages on."""
    error = None
    try:
        query = my_query(filters.api, caller.user.id, cursor)
        page = await tasks.list_page(session, query, PAGE_SIZE)
    except ValidationFailed as refused:
        error = refused.detail
        page = Page[TaskRead](items=[], next_cursor=None)
    mine = await workspaces.list_for_user(session, caller.user, None, layout.SWITCHER_SIZE)
    places = {workspace.id: workspace.name for workspace in mine.items}
    cards = Cards("home", utcnow(), places=places)
    params = filters.params()
    next_url = page_url("/my-tasks", params, page.next_cursor) if page.next_cursor else None
    context = {"page": page, "cards": cards, "next_url": next_url, "oob": False}
    if is_htmx(request) and request.headers.get("hx-target") == "task-list":
        return render(request, "projects/_more.html", {**context, "oob": True})
    context |= {
        "has_workspaces": bool(mine.items),
        "cursor": cursor,
        "filters": filters,
        "sorts": SORTS,
        "error": error,
        "first_page": page_url("/my-tasks", params),
    }
    status = 422 if error else 200
    return await layout.page(request, session, caller, "home/my_tasks.html", context, status=status)
