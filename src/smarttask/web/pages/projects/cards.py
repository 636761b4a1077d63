"""What task cards show besides the task, and the reads every card list shares.

`partials/task_card.html` renders one card from a `TaskRead` and a `Cards`: the list, the
board, My tasks and later live updates all go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from smarttask.accounts.models import User
from smarttask.kit.pagination import Page
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.projects import service as projects
from smarttask.tasks import reads
from smarttask.tasks import service as tasks
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import OPEN_STATUSES, Priority, RiskLevel, Status, TaskRead
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
# Cards name assignees from the workspace's first members (a page of the API's list).
PEOPLE_LIMIT = 100


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

    def overdue(self, task: TaskRead) -> bool:
        """Whether an open task is past its due date."""
        return task.due_at is not None and task.status in OPEN_STATUSES and task.due_at < self.now

    def assignee(self, task: TaskRead) -> str:
        """Who the task is assigned to, in words."""
        if task.assignee_id is None:
            return "Unassigned"
        return self.people.get(task.assignee_id, "Assigned")

    def with_view(self, view: str) -> Cards:
        """The same cards for another view."""
        return replace(self, view=view)


async def people_of(session: AsyncSession, access: WorkspaceAccess) -> dict[str, str]:
    """Names of the workspace's members by id (its first PEOPLE_LIMIT)."""
    members = await workspaces.list_members(session, access, None, PEOPLE_LIMIT)
    return {member.user_id: member.name for member in members.items}


async def task_page(
    request: Request, session: AsyncSession, user: User, query: TaskQuery, limit: int
) -> Page[TaskRead]:
    """A page of a project's tasks, read as the API's list reads it.

    Without a search: the one-statement read (role, tasks, labels and dependencies) on the
    request's reader; with one: the session path (its SQL depends on the database).
    """
    if query.q:
        return await tasks.list_page(session, query, limit)
    reader = await unit_of_work(request.scope).reader()
    found = await reads.project_page(
        reader, user, query, limit, Role.VIEWER, missing=projects.MISSING
    )
    items = [TaskRead.model_validate(body) for body in found["items"]]
    return Page(items=items, next_cursor=found["next_cursor"])


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
