"""A project's board: a column per workflow state, cards in rank order, and moving a card.

The board reads a bounded number of statements whatever the project's size: the states
with their counts, then one page of at most COLUMN_SIZE cards per column (the list's
one-statement read, by rank); a fuller column says how many more there are and links to
the list view.
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
from smarttask.tasks import ordering
from smarttask.tasks import service as tasks
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import TaskMove, TaskRead, TaskUpdate
from smarttask.web import forms, layout
from smarttask.web.deps import Id, PageCaller
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
from smarttask.workflow import service as workflow
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)

COLUMN_SIZE = 100


@dataclass(frozen=True, slots=True)
class Column:
    """One state's column: its first cards and how many tasks it holds in all.

    `key` names it in the page: its category for the first state of each category (so
    `#column-todo` is the first To do column), the state's id for the others.
    """

    key: str
    name: str
    tasks: Sequence[Body | TaskRead]
    total: int
    state_id: str = ""
    category: str = ""
    color: str = ""

    @property
    def more(self) -> int:
        """How many of its tasks the column does not show."""
        return max(0, self.total - len(self.tasks))

    @property
    def capped(self) -> bool:
        """Whether the column holds more tasks than the board counts (ordering.COUNT_CAP)."""
        return self.total > ordering.COUNT_CAP


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
    columns, seen = [], set()
    for state, count in await ordering.board_columns(session, project.id):
        key = state.id if state.category in seen else state.category
        seen.add(state.category)
        query = TaskQuery(
            project.workspace_id, project.id, sort="rank", descending=False, state_id=state.id
        )
        page = await task_page(request, session, caller.user, query, COLUMN_SIZE)
        total = max(count, len(page.items))
        columns.append(
            Column(key, state.name, page.items, total, state.id, state.category, state.color)
        )
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
        "states": await workflow.board_states(session, task.project_id),
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
    status: Annotated[str | None, Form(max_length=20)] = None,
    state_id: Annotated[str | None, Form(max_length=64)] = None,
    after_id: Annotated[str | None, Form(max_length=64)] = None,
    before_id: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Move a card: to a column and between two cards (the board's drag and drop, keys and
    menu, by the API's move rules), or to a status (the move page without script)."""
    task, key, access = await tasks.load_with_access(session, caller.user, task_id, Role.MEMBER)
    if state_id or after_id or before_id:
        place = {"state_id": state_id, "after_id": after_id, "before_id": before_id}
        body = forms.parse(TaskMove, {name: value for name, value in place.items() if value})
        task = await ordering.move(session, caller.user, task, body)
    else:
        change = forms.parse(TaskUpdate, {"status": status})
        task = await tasks.update(session, caller.user, task, change)
    if not is_htmx(request):
        return RedirectResponse(f"/projects/{task.project_id}/board#task-{task.id}", 303)
    cards = Cards("board", utcnow(), can_edit=True, people=await people_of(session, access))
    card = await tasks.read_one(session, task, key)
    return render(request, "partials/task_card.html", {"task": card, "cards": cards})
