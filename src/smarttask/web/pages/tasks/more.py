"""The task page's growing lists a page further: its comments and its activity.

The task page shows the first 50 comments (oldest first) and the 30 latest changes; a
"Load more" link under each asks for the next page here. htmx appends the page to the list
and swaps the link for the next one; without JavaScript the link opens the page on its own.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.session import SessionDep
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.tasks.respond import is_htmx
from smarttask.web.pages.tasks.view import gather
from smarttask.web.render import render

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=64)]
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
    """The next page of the task's comments or activity (htmx: its items and the next link)."""
    context = await gather(request, session, caller, task_id, (name,), cursors={name: cursor})
    if is_htmx(request):
        return render(request, f"tasks/_more_{name}.html", {**context, "oob": True})
    return await page(
        request,
        session,
        caller,
        "tasks/more.html",
        {**context, "name": name, "cursor": cursor},
        workspace_id=context["workspace"].id,
    )
