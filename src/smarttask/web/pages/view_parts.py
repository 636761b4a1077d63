"""The parts of a saved view's page: its filters and sort in words, the month's calendar,
the board's columns, and one column or one day of them as a list (`web/pages/views.py`).

Each layout reads a bounded number of statements: a board one per status column, a month
at most MONTH_CAP tasks a page at a time, a column's or a day's list one page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import utcnow
from smarttask.kit.days import EARLIEST_DAY, LATEST_DAY, midnight
from smarttask.kit.problems import ValidationFailed
from smarttask.projects.models import Project
from smarttask.tasks import service as tasks
from smarttask.tasks.mine import ME
from smarttask.tasks.query import TaskQuery, decode_position
from smarttask.tasks.schemas import Status, TaskRead
from smarttask.views import params
from smarttask.views.models import SavedView
from smarttask.web.pages.projects.cards import STATUS_LABELS

# A board column shows this many cards, then links to the rest as a list (`?status=`).
COLUMN_SIZE = 50
# A calendar day shows this many tasks, then links to the rest as a list (`?day=`).
DAY_SIZE = 4
# A month's calendar reads its tasks a page of PAGE_SIZE at a time, at most MONTH_CAP.
PAGE_SIZE = 100
MONTH_CAP = 1000

# How the view page names each list filter (others keep their parameter's name).
_FILTER_NAMES = {
    "project_id": "Project",
    "status": "Status",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "label": "Label",
    "due_before": "Due before",
    "due_after": "Due after",
    "q": "Search",
    "risk": "Risk",
}


# How the view page names its sort ("-" first: descending).
_SORT_NAMES = {
    "created_at": "creation",
    "updated_at": "last change",
    "due_at": "due date",
    "priority": "priority",
    "rank": "board order",
}


def sort_in_words(sort: str | None) -> str | None:
    """The view's sort as the page says it (a custom field's by "custom field")."""
    if sort is None:
        return None
    name = sort.lstrip("-")
    words = _SORT_NAMES.get(name, "custom field" if name.startswith("field.") else name)
    return words + (", descending" if sort.startswith("-") else "")


async def filter_summary(
    session: AsyncSession, view: SavedView, people: dict[str, str]
) -> list[tuple[str, str]]:
    """The view's filters as (name, value) in words: statuses, people and the project by
    name (the project was loaded with the caller's access by the view's query)."""
    summary = []
    for name, raw in view.filters.items():
        values = [raw] if isinstance(raw, str) else list(raw)
        if name == "status":
            values = [STATUS_LABELS.get(v, v) for v in values]
        elif name == "assignee_id":
            values = ["me" if v == ME else people.get(v, v) for v in values]
        elif name == params.PROJECT:
            project = await session.get(Project, raw)
            values = [project.name if project is not None else str(raw)]
        summary.append((_FILTER_NAMES.get(name, name), ", ".join(values)))
    return summary


def first_of_month(month: str | None) -> date:
    """The first day of a `YYYY-MM` month (this month's when none); 422 outside the range."""
    if month is None:
        return utcnow().date().replace(day=1)
    year, number = month.split("-")
    if not EARLIEST_DAY.year <= int(year) <= LATEST_DAY.year:
        message = f"month must be from {EARLIEST_DAY:%Y-%m} to {LATEST_DAY:%Y-%m}."
        raise ValidationFailed(
            message, errors=[{"loc": ["query", "month"], "msg": message, "type": "value_error"}]
        )
    return date(int(year), int(number), 1)


def calendar_weeks(first: date, items: list[Any]) -> list[list[tuple[date | None, list[Any]]]]:
    """The month as weeks (Monday first) of (day or None, that day's tasks)."""
    by_day: dict[date, list[Any]] = {}
    for task in items:
        if task.due_at is not None:
            by_day.setdefault(task.due_at.astimezone(UTC).date(), []).append(task)
    weeks = calendar.Calendar().monthdayscalendar(first.year, first.month)
    return [
        [
            (first.replace(day=d), by_day.get(first.replace(day=d), [])) if d else (None, [])
            for d in week
        ]
        for week in weeks
    ]


def due_within(query: TaskQuery, first: date, following: date) -> TaskQuery:
    """The query narrowed to tasks due from `first` (UTC) to before `following`."""
    start, end = midnight(first) - timedelta(microseconds=1), midnight(following)
    return replace(
        query,
        due_after=max(query.due_after, start) if query.due_after else start,
        due_before=min(query.due_before, end) if query.due_before else end,
    )


def of_status(query: TaskQuery, status: Status) -> TaskQuery | None:
    """The query narrowed to one status; None when the view's own statuses leave it out."""
    if query.statuses and status.value not in query.statuses:
        return None
    return replace(query, statuses=(status.value,))


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a view shown as a list: one board column, or one calendar day."""

    status: Status | None = None
    day: date | None = None

    def narrow(self, query: TaskQuery) -> TaskQuery | None:
        """The view's query narrowed to this part; None when nothing can match."""
        if self.day is not None:
            query = due_within(query, self.day, self.day + timedelta(days=1))
        return query if self.status is None else of_status(query, self.status)

    @property
    def label(self) -> str | None:
        """What the part is, for the page's heading; None for the whole view."""
        if self.status is not None:
            return STATUS_LABELS[self.status.value]
        if self.day is not None:
            return "Due " + self.day.strftime("%A %d %B %Y")
        return None

    @property
    def query_string(self) -> str:
        """The part's own query parameters, for its next-page link."""
        if self.status is not None:
            return f"status={self.status.value}&"
        return f"day={self.day.isoformat()}&" if self.day is not None else ""


async def month_tasks(
    session: AsyncSession, query: TaskQuery, first: date
) -> tuple[list[TaskRead], bool]:
    """The view's tasks due in the month, a page at a time up to MONTH_CAP; whether more."""
    following = (first + timedelta(days=32)).replace(day=1)
    query = due_within(replace(query, after=None), first, following)
    items: list[TaskRead] = []
    while True:
        found_page = await tasks.list_page(session, query, PAGE_SIZE)
        items += found_page.items
        cursor = found_page.next_cursor
        if cursor is None or len(items) >= MONTH_CAP:
            return items, cursor is not None
        query = replace(query, after=decode_position(cursor, query.cursor_tag))


async def board_columns(
    session: AsyncSession, query: TaskQuery
) -> dict[str, tuple[list[TaskRead], bool]]:
    """Each status's first COLUMN_SIZE cards (one statement a column), and whether more."""
    columns: dict[str, tuple[list[TaskRead], bool]] = {}
    for status in Status:
        narrowed = of_status(replace(query, after=None), status)
        if narrowed is None:
            columns[status.value] = ([], False)
            continue
        found_page = await tasks.list_page(session, narrowed, COLUMN_SIZE)
        columns[status.value] = (found_page.items, found_page.next_cursor is not None)
    return columns
