"""The home page, /my-tasks: the open tasks assigned to me in all my workspaces."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.db.types import utcnow
from smarttask.kit.pagination import Cursor
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.web import layout
from smarttask.web.deps import PageCaller
from smarttask.web.pages.projects.cards import Cards, page_url
from smarttask.web.pages.projects.common import is_htmx
from smarttask.web.render import render
from smarttask.workspaces import service as workspaces

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


@router.get("/my-tasks")
async def my_tasks(
    request: Request, session: SessionDep, caller: PageCaller, cursor: Cursor = None
) -> Response:
    """My open tasks, overdue first, then by due date, then undated; "Load more" pages on."""
    page = await tasks.list_assigned(session, caller.user, cursor, PAGE_SIZE)
    mine = await workspaces.list_for_user(session, caller.user, None, layout.SWITCHER_SIZE)
    places = {workspace.id: workspace.name for workspace in mine.items}
    cards = Cards("home", utcnow(), places=places)
    next_url = page_url("/my-tasks", {}, page.next_cursor) if page.next_cursor else None
    context = {"page": page, "cards": cards, "next_url": next_url, "oob": False}
    if is_htmx(request) and request.headers.get("hx-target") == "task-list":
        return render(request, "projects/_more.html", {**context, "oob": True})
    context |= {"has_workspaces": bool(mine.items), "cursor": cursor}
    return await layout.page(request, session, caller, "home/my_tasks.html", context)
