"""A project's board: a column per status, and moving a card between columns.

The board reads a bounded number of statements whatever the project's size: the counts
by status, then one page of at most COLUMN_SIZE cards per column (the list's one-statement
read); a fuller column says how many more there are and links to the list view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.db.types import utcnow
from smarttask.kit.session import SessionDep
from smarttask.tasks import reads
from smarttask.tasks import service as tasks
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import TaskRead, TaskUpdate
from smarttask.web import forms, layout
from smarttask.web.deps import Id, PageCaller, page_reader
from smarttask.web.pages.projects.cards import (
    STATUS_LABELS,
    Body,
    Cards,
    people_of,
    task_page,
)
from smarttask.web.pages.projects.common import Opened, Quick, is_htmx, open_project
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)

COLUMN_SIZE = 100


@dataclass(frozen=True, slots=True)
class Column:
    """One status's column: its first cards and how many tasks it holds in all."""

    status: str
    name: str
    tasks: Sequence[Body | TaskRead]
    total: int

    @property
    def more(self) -> int:
        """How many of its tasks the column does not show."""
        return max(0, self.total - len(self.tasks))


@router.get("/projects/{project_id}/board")
async def board_view(
    request: Request, session: SessionDep, caller: PageCaller, project_id: Id
) -> Response:
    """The project's board."""
    opened = await open_project(request, session, caller, project_id, "board")
    return await render_board(request, session, caller, opened)


async def render_board(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    opened: Opened,
    *,
    quick: Quick | None = None,
    status: int = 200,
) -> Response:
    """The board page."""
    project = opened.project
    reader = await page_reader(request)
    if reader is None:  # the board again after a refused quick create
        counts = (await tasks.count_by_status(session, project)).model_dump()
    else:
        counts = await reads.counts_by_status(reader, project.id)
    columns = []
    for value, name in STATUS_LABELS.items():
        query = TaskQuery(project.workspace_id, project.id, statuses=(value,))
        page = await task_page(request, session, caller.user, query, COLUMN_SIZE)
        columns.append(Column(value, name, page.items, max(counts[value], len(page.items))))
    context = {"columns": columns, "quick": quick or Quick()}
    return await opened.page(
        request, session, caller, "projects/board.html", context, status=status
    )


@router.get("/tasks/{task_id}/move")
async def move_page(
    request: Request, session: SessionDep, caller: PageCaller, task_id: Id
) -> Response:
    """A card's "Move to" form on a page of its own: the board's Move button without script."""
    task, key, access = await tasks.load_with_access(session, caller.user, task_id, Role.MEMBER)
    context = {
        "task": await tasks.read_one(session, task, key),
        "workspace": access.workspace,
        "statuses": STATUS_LABELS,
    }
    return await layout.page(
        request, session, caller, "projects/move.html", context, workspace_id=task.workspace_id
    )


@router.post("/tasks/{task_id}/move")
async def move(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    task_id: Id,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    """Move a card to another column: the task's new status, by the tasks service's rules."""
    task, key, access = await tasks.load_with_access(session, caller.user, task_id, Role.MEMBER)
    task = await tasks.update(
        session, caller.user, task, forms.parse(TaskUpdate, {"status": status})
    )
    if not is_htmx(request):
        return RedirectResponse(f"/projects/{task.project_id}/board#task-{task.id}", 303)
    cards = Cards("board", utcnow(), can_edit=True, people=await people_of(session, access))
    card = await tasks.read_one(session, task, key)
    return render(request, "partials/task_card.html", {"task": card, "cards": cards})
