"""What the dashboard and the report builder share: the range of days, figures as words.

The range comes from a GET form: `days` (a preset: the last 7, 30 or 90 days) or `from`
and `to` (calendar days; either may be left empty). The analytics service resolves it in
the workspace's time zone and refuses what the API refuses (`from` after `to`, more than
three years); the page shows that refusal beside the range, with the default range's
figures, instead of an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analytics import service as analytics
from smarttask.analytics.service import Scope
from smarttask.kit.problems import ValidationFailed
from smarttask.projects import service as projects
from smarttask.projects.schemas import ProjectRead
from smarttask.web.signin import WebCaller
from smarttask.workspaces.roles import Role

PERIODS = (7, 30, 90)
PROJECTS_LISTED = 100  # in the project selects (the chosen one is always among them)
DayText = Annotated[str | None, Query(max_length=32)]
FromText = Annotated[str | None, Query(alias="from", max_length=32)]
DaysText = Annotated[str | None, Query(max_length=8)]
ProjectChoice = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True, slots=True)
class Range:
    """The days a page asked for, as typed, and what was wrong with them."""

    days: int
    start: date | None
    end: date | None
    typed_from: str
    typed_to: str
    error: str | None = None

    @property
    def preset(self) -> int | None:
        """The preset in use (None when days were typed)."""
        return None if self.start or self.end else self.days

    @property
    def typed(self) -> bool:
        """Whether days were typed (they replace the preset)."""
        return bool(self.start or self.end)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_range(days: str | None, start: str | None, end: str | None) -> Range:
    """The range of a GET form; a malformed part is dropped and said in `error`."""
    errors = []
    count = analytics.DEFAULT_DAYS
    if days and days.strip():
        if days.strip().isdigit() and 1 <= int(days) <= analytics.MAX_DAYS:
            count = int(days)
        else:
            errors.append(f"Choose a number of days from 1 to {analytics.MAX_DAYS}.")
    typed_from, typed_to = (start or "").strip(), (end or "").strip()
    first = _day(typed_from) if typed_from else None
    last = _day(typed_to) if typed_to else None
    if (typed_from and first is None) or (typed_to and last is None):
        errors.append("Enter days as YYYY-MM-DD, for example 2026-11-30.")
    return Range(count, first, last, typed_from, typed_to, " ".join(errors) or None)


async def open_scope(
    session: AsyncSession,
    caller: WebCaller,
    workspace_id: str,
    asked: Range,
    project_id: str | None,
) -> tuple[Scope, str | None]:
    """The analytics scope of the page (404 for a non-member, as the API's) and the range's
    refusal, if any: then the scope is the default range's."""
    try:
        where = await analytics.scope(
            session, caller.user, workspace_id, asked.start, asked.end, project_id, days=asked.days
        )
    except ValidationFailed as refused:
        where = await analytics.scope(
            session, caller.user, workspace_id, None, None, project_id, days=asked.days
        )
        return where, refused.detail
    return where, asked.error


async def project_choices(
    session: AsyncSession, where: Scope, chosen: str | None
) -> list[ProjectRead]:
    """The workspace's projects for a select, oldest first, with the chosen one among them
    even past the first PROJECTS_LISTED (`scope` checked that it is in the workspace)."""
    listed = await projects.list_in_workspace(session, where.access, None, PROJECTS_LISTED)
    found = list(listed.items)
    if chosen and all(project.id != chosen for project in found):
        project = await projects.load(session, where.access.user, chosen, Role.VIEWER)
        found.append(ProjectRead.model_validate(project))
    return found


def blank(value: str | None) -> str | None:
    """A form's value, None when left empty."""
    return value.strip() or None if value else None


def hours(value: float | None) -> str:
    """A duration in hours as people read it: "45 min", "5.5 h", "3.2 days"."""
    if value is None:
        return "—"
    if value < 1:
        return f"{max(1, round(value * 60))} min"
    if value < 48:
        return f"{value:.1f} h".replace(".0 h", " h")
    return f"{value / 24:.1f} days".replace(".0 days", " days")


def percent(value: float | None) -> str:
    """A rate (0..1) as a percentage, "—" when there is none."""
    return "—" if value is None else f"{round(value * 100)} %"
