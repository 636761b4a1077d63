"""What task cards show, and the reads every card list shares.

`Cards.views` turns tasks into `CardView`s, everything a card shows, worked out once in
Python; `partials/cards.html` only writes them out (Jinja costs about a microsecond per
value it writes, so the template does no lookups of its own). The list, the board, My tasks
and later live updates all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from smarttask.accounts.models import User
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.projects import service as projects
from smarttask.tasks import reads
from smarttask.tasks import service as tasks
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import OPEN_STATUSES, Priority, RiskLevel, Status, TaskRead
from smarttask.web.pages.tasks import words
from smarttask.web.render import day
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

STATUS_LABELS = {
    Status.TODO.value: "To do",
    Status.IN_PROGRESS.value: "In progress",
    Status.DONE.value: "Done",
    Status.CANCELLED.value: "Cancelled",
}
PRIORITY_LABELS = {priority.value: priority.value.capitalize() for priority in Priority}
RISK_LABELS = {risk.value: f"{risk.value.capitalize()} risk" for risk in RiskLevel}
# A task's answer body (tasks/bodies.py: TaskRead's fields as plain values).
Body = Mapping[str, Any]
# Cards name assignees from the workspace's first members (a page of the API's list).
PEOPLE_LIMIT = 100


class CardView(NamedTuple):
    """Everything one card shows, as text (the template escapes it)."""

    id: str
    key: str
    title: str
    status: str
    status_name: str
    priority: str  # "none": no priority badge
    priority_name: str
    due: str  # the due day, "" without one
    overdue: bool
    risk: str  # the risk level, "" without one
    risk_name: str
    who: str  # the assignee in words, or (My tasks) the workspace's name, "" if unknown
    labels: list[str]


@dataclass(frozen=True, slots=True)
class Cards:
    """What every card of a page needs besides its task."""

    view: str  # "list", "board" or "home"
    now: datetime
    can_edit: bool = False
    people: Mapping[str, str] = field(default_factory=dict)
    places: Mapping[str, str] = field(default_factory=dict)  # workspace names (My tasks)
    statuses: Mapping[str, str] = field(default_factory=lambda: STATUS_LABELS)
    priorities: Mapping[str, str] = field(default_factory=lambda: PRIORITY_LABELS)
    risks: Mapping[str, str] = field(default_factory=lambda: RISK_LABELS)

    @property
    def movable(self) -> bool:
        """Whether the cards carry move controls (the board, for members)."""
        return self.view == "board" and self.can_edit

    def views(self, tasks: Iterable[Body | TaskRead]) -> list[CardView]:
        """What each task's card shows (from task bodies; TaskRead objects are dumped)."""
        home, now, people, places = self.view == "home", self.now, self.people, self.places
        statuses, priorities, risks = self.statuses, self.priorities, self.risks
        views = []
        for task in tasks:
            body = task.model_dump() if isinstance(task, TaskRead) else task
            status, priority, due, risk = (
                body["status"], body["priority"], body["due_at"], body["risk"]
            )  # fmt: skip
            level = risk["level"] if risk else ""
            state = body.get("state")
            status_text = words.state(state["name"], status) if state else statuses[status]
            if home:
                who = places.get(body["workspace_id"], "")
            elif body["assignee_id"] is None:
                who = "Unassigned"
            else:
                who = people.get(body["assignee_id"], "Assigned")
            views.append(
                CardView(
                    body["id"],
                    body["key"],
                    body["title"],
                    status,
                    status_text,
                    priority,
                    priorities[priority],
                    day(due),
                    due is not None and status in OPEN_STATUSES and due < now,
                    level,
                    risks[level] if level else "",
                    who,
                    body["labels"],
                )
            )
        return views

    def with_view(self, view: str) -> Cards:
        """The same cards for another view."""
        return replace(self, view=view)


async def people_of(session: AsyncSession, access: WorkspaceAccess) -> dict[str, str]:
    """Names of the workspace's members by id (its first PEOPLE_LIMIT)."""
    members = await workspaces.list_members(session, access, None, PEOPLE_LIMIT)
    return {member.user_id: member.name for member in members.items}


@dataclass(frozen=True, slots=True)
class CardPage:
    """A page of a card list: task bodies (or TaskRead objects) and the next page's cursor."""

    items: Sequence[Body | TaskRead]
    next_cursor: str | None


async def task_page(
    request: Request, session: AsyncSession, user: User, query: TaskQuery, limit: int
) -> CardPage:
    """A page of a project's tasks, read as the API's list reads it.

    Without a search: the one-statement read (role, tasks, labels and dependencies) on the
    request's reader, its task bodies as they come; with one: the session path (its SQL
    depends on the database).
    """
    if query.q:
        found = await tasks.list_page(session, query, limit)
        return CardPage(found.items, found.next_cursor)
    reader = await unit_of_work(request.scope).reader()
    page = await reads.project_page(
        reader, user, query, limit, Role.VIEWER, missing=projects.MISSING
    )
    return CardPage(page["items"], page["next_cursor"])


def page_url(path: str, params: Mapping[str, Any], cursor: str | None = None) -> str:
    """The URL of a list with these parameters (empty ones left out), at this cursor."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if name == "cursor" or value in (None, "", []):
            continue
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, str(item)) for item in values]
    if cursor:
        pairs.append(("cursor", cursor))
    return f"{path}?{urlencode(pairs)}" if pairs else path
