"""The task page's growing lists a page further: its comments and its activity.

The task page shows the 50 latest comments and the 30 latest changes; a link above the
comments ("Load earlier comments") and under the changes ("Load older changes") asks for
the next page here. htmx puts the page into the list and swaps the link for the next one;
without JavaScript the link opens the page on its own.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.session import SessionDep
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks.respond import is_htmx
from smarttask.web.pages.tasks.view import gather
from smarttask.web.render import render

router = APIRouter(include_in_schema=False)
Listed = Literal["comments", "activity"]


@router.get("/tasks/{task_id}/more/{name}")
async def more(
    request: Request,
    task_id: Id,
    name: Listed,
    session: SessionDep,
    caller: PageCaller,
    cursor: Cursor = None,
) -> Response:
    """The task's earlier comments or older changes (htmx: the entries and the next link)."""
    context = await gather(request, session, caller, task_id, (name,), cursors={name: cursor})
    if is_htmx(request):
        return render(request, f"tasks/_more_{name}.html", {**context, "oob": True})
    return await page(
        request,
        session,
        caller,
        "tasks/more.html",
        {**context, "name": name},
        workspace_id=context["workspace"].id,
    )
