"""A project's list view: filters, search, sort and keyset "Load more"."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from smarttask.fields import service as custom_fields
from smarttask.kit.pagination import Cursor
from smarttask.kit.session import SessionDep
from smarttask.tasks import field_lists
from smarttask.web.deps import Id, PageCaller
from smarttask.web.pages.projects.bulk_bar import bulk_bar
from smarttask.web.pages.projects.cards import page_url, task_page
from smarttask.web.pages.projects.common import Opened, Quick, is_htmx, open_project
from smarttask.web.pages.projects.filters import SORTS, Filters, ListFilters, option_ids
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workflow import service as workflow

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


@router.get("/projects/{project_id}")
async def list_view(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    filters: Filters,
    cursor: Cursor = None,
) -> Response:
    """The project's tasks as a list; htmx's "Load more" gets the next cards only."""
    opened = await open_project(request, session, caller, project_id, "list")
    return await render_list(request, session, caller, opened, filters, cursor)


async def render_list(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    opened: Opened,
    filters: ListFilters,
    cursor: str | None,
    *,
    quick: Quick | None = None,
    bulk_error: str | None = None,
    status: int = 200,
) -> Response:
    """The list view (or, for htmx's "Load more", its next cards)."""
    project = opened.project
    defined = await custom_fields.all_of(session, project.workspace_id)
    query = filters.api.query(project.workspace_id, project.id, cursor)
    query = replace(query, field_params=option_ids(query.field_params, defined))
    query = await field_lists.resolve(query, project.workspace_id, field_lists.on_session(session))
    page = await task_page(request, session, caller.user, query, PAGE_SIZE)
    path = f"/projects/{project.id}"
    next_url = page_url(path, filters.params(), page.next_cursor) if page.next_cursor else None
    context = {"page": page, "next_url": next_url, "oob": False}
    if is_htmx(request) and request.headers.get("hx-target") == "task-list":
        return render(
            request, "projects/_more.html", {**context, "cards": opened.cards, "oob": True}
        )
    people = sorted(opened.cards.people.items(), key=lambda item: item[1].casefold())
    # The bulk bar's status menu: the project's workflow states (members only see the bar).
    states = await workflow.board_states(session, project.id) if opened.cards.can_edit else []
    return await opened.page(
        request,
        session,
        caller,
        "projects/list.html",
        {
            **context,
            "filters": filters,
            "sorts": SORTS,
            "custom_fields": defined,
            "people": people,
            "cursor": cursor,
            "first_page": page_url(path, filters.params()),
            "quick": quick or Quick(),
            "bulk": bulk_bar(request, states, bulk_error),
        },
        status=status,
    )
