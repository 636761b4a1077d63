"""The custom report: dimensions by metrics over the tasks, with the task list's filters.

Two families of tasks feed it. The cohort, the tasks *created* in the range, gives
`created`, `open`, `overdue`, `completion_rate` (done / not cancelled) and
`estimate_minutes_sum` and `time_spent_minutes_sum` (the time logged on them so far),
placed on their creation day. The completions, the tasks whose
standing completion (`completed_at`, done now) falls in the range, give `completed` and the
cycle times, placed on their completion day. Days are the workspace's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.analytics.schemas import Dimension, Metric, ReportFilters
from smarttask.projects.models import Project
from smarttask.tasks.models import Label, Task, TaskLabel
from smarttask.tasks.schemas import Priority
from smarttask.tasks.statements import relevance

MAX_ROWS = 10_000
_TIME = (Dimension.DAY, Dimension.WEEK, Dimension.MONTH)
_COHORT = (
    Metric.CREATED,
    Metric.OPEN,
    Metric.OVERDUE,
    Metric.COMPLETION_RATE,
    Metric.ESTIMATE_MINUTES_SUM,
    Metric.TIME_SPENT_MINUTES_SUM,
)
_OPEN = ("todo", "in_progress")
NO_LABEL = "(no label)"
UNASSIGNED = "Unassigned"


@dataclass(slots=True)
class _Cell:
    created: int = 0
    open: int = 0
    overdue: int = 0
    done: int = 0
    live: int = 0
    estimate: int = 0
    time_spent: int = 0
    cycles: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Table:
    """A report's table."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def _dialect(session: AsyncSession) -> str:
    assert session.bind is not None
    return session.bind.dialect.name


def _conditions(
    dialect: str,
    workspace_id: str,
    project_id: str | None,
    filters: ReportFilters,
    hidden: Sequence[str],
) -> list[Any]:
    where: list[Any] = [Task.workspace_id == workspace_id]
    if project_id is not None:
        where.append(Task.project_id == project_id)
    elif hidden:  # the private projects hidden from the caller (analytics/service.py)
        where.append(Task.project_id.not_in(list(hidden)))
    if filters.status:
        where.append(Task.status.in_([s.value for s in filters.status]))
    if filters.priority:
        where.append(Task.priority.in_([p.rank for p in filters.priority]))
    if filters.assignee_id is not None:
        where.append(Task.assignee_id == filters.assignee_id)
    if filters.due_before is not None:
        where.append(Task.due_at < filters.due_before)
    if filters.due_after is not None:
        where.append(Task.due_at >= filters.due_after)
    if filters.risk:
        where.append(Task.risk_level.in_([r.value for r in filters.risk]))
    if filters.label is not None:
        where.append(
            exists()
            .where(TaskLabel.task_id == Task.id)
            .where(TaskLabel.label_id == Label.id)
            .where(Label.name_key == filters.label.casefold())
        )
    if filters.q and filters.q.strip():
        where.append(relevance(dialect, filters.q.strip())[1])
    return where


def _bucket(dialect: str, column: Any, zone: str) -> Any:
    """The group of an instant: the local day (PostgreSQL) or the UTC quarter-hour (SQLite)."""
    if dialect == "postgresql":
        return func.date(func.timezone(zone, column))
    minute = func.cast(func.strftime("%M", column), Task.priority.type) // 15
    return func.strftime("%Y-%m-%d %H:", column) + func.cast(minute, Task.title.type)


def _local_day(dialect: str, value: Any, where: ZoneInfo) -> date:
    if dialect == "postgresql":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    stamp, quarter = str(value).rsplit(":", 1)
    at = datetime.strptime(stamp, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return (at + timedelta(minutes=15 * int(quarter))).astimezone(where).date()


def _time_value(dimension: Dimension, day: date) -> str:
    if dimension is Dimension.WEEK:
        return (day - timedelta(days=day.weekday())).isoformat()
    if dimension is Dimension.MONTH:
        return day.strftime("%Y-%m")
    return day.isoformat()


def _dimension_columns(dimensions: list[Dimension]) -> list[Any]:
    columns: list[Any] = []
    for dimension in dimensions:
        if dimension is Dimension.ASSIGNEE:
            columns.append(User.name)
        elif dimension is Dimension.PROJECT:
            columns.append(Project.key)
        elif dimension is Dimension.STATUS:
            columns.append(Task.status)
        elif dimension is Dimension.PRIORITY:
            columns.append(Task.priority)
        elif dimension is Dimension.LABEL:
            columns.append(Label.name)
    return columns


def _joined(statement: Any, dimensions: list[Dimension]) -> Any:
    if Dimension.ASSIGNEE in dimensions:
        statement = statement.outerjoin(User, User.id == Task.assignee_id)
    if Dimension.PROJECT in dimensions:
        statement = statement.join(Project, Project.id == Task.project_id)
    if Dimension.LABEL in dimensions:
        statement = statement.outerjoin(TaskLabel, TaskLabel.task_id == Task.id).outerjoin(
            Label, Label.id == TaskLabel.label_id
        )
    return statement


def _display(dimension: Dimension, value: Any) -> Any:
    if dimension is Dimension.ASSIGNEE:
        return value if value is not None else UNASSIGNED
    if dimension is Dimension.PRIORITY:
        return Priority.of_rank(int(value)).value
    if dimension is Dimension.LABEL:
        return value if value is not None else NO_LABEL
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if not isinstance(value, (int, float)) else (1, value)


async def run(
    session: AsyncSession,
    *,
    workspace_id: str,
    zone: str,
    start: date,
    end: date,
    now: datetime,
    dimensions: list[Dimension],
    metrics: list[Metric],
    filters: ReportFilters,
    project_id: str | None,
    hidden: Sequence[str],
) -> Table:
    """The report's table, rows in dimension order (at most MAX_ROWS, then `truncated`)."""
    dialect = _dialect(session)
    where_zone = ZoneInfo(zone)
    lower = datetime.combine(start, datetime.min.time(), where_zone)
    upper = datetime.combine(end + timedelta(days=1), datetime.min.time(), where_zone)
    conditions = _conditions(dialect, workspace_id, project_id, filters, hidden)
    time_dimension = next((d for d in dimensions if d in _TIME), None)
    others = [d for d in dimensions if d not in _TIME]
    keyed = _dimension_columns(others)
    cells: dict[tuple[Any, ...], _Cell] = defaultdict(_Cell)

    def key_of(row: Any, day: date | None) -> tuple[Any, ...]:
        values = [_display(d, v) for d, v in zip(others, row[: len(others)], strict=True)]
        if time_dimension is not None and day is not None:
            values.insert(dimensions.index(time_dimension), _time_value(time_dimension, day))
        return tuple(values)

    if any(m in _COHORT for m in metrics):
        bucket = _bucket(dialect, Task.created_at, zone) if time_dimension else literal(0)
        is_open = Task.status.in_(_OPEN)
        statement = _joined(
            select(
                *keyed,
                bucket,
                func.count(),
                func.sum(case((is_open, 1), else_=0)),
                func.sum(case((and_(is_open, Task.due_at < now), 1), else_=0)),
                func.sum(case((Task.status == "done", 1), else_=0)),
                func.sum(case((Task.status != "cancelled", 1), else_=0)),
                func.sum(func.coalesce(Task.estimate_minutes, 0)),
                # Only when asked: the column is not in the cohort index (index-only scans).
                func.sum(Task.time_spent_minutes)
                if Metric.TIME_SPENT_MINUTES_SUM in metrics
                else literal(0),
            ).select_from(Task),
            dimensions,
        )
        statement = statement.where(
            *conditions, Task.created_at >= lower, Task.created_at < upper
        ).group_by(*keyed, bucket)
        for row in await session.execute(statement):
            bucket_value = row[len(others)]
            day = _local_day(dialect, bucket_value, where_zone) if time_dimension else None
            cell = cells[key_of(row, day)]
            counts = [int(v or 0) for v in row[len(others) + 1 :]]
            cell.created += counts[0]
            cell.open += counts[1]
            cell.overdue += counts[2]
            cell.done += counts[3]
            cell.live += counts[4]
            cell.estimate += counts[5]
            cell.time_spent += counts[6]
    if any(m not in _COHORT for m in metrics):
        # The standing completions: tasks done now, completed in the range (their index).
        statement = _joined(
            select(*keyed, Task.completed_at, Task.created_at).select_from(Task), dimensions
        ).where(
            *conditions,
            Task.status == "done",
            Task.completed_at >= lower,
            Task.completed_at < upper,
        )
        for row in await session.execute(statement):
            completed_at, created_at = row[len(others)], row[len(others) + 1]
            cells[key_of(row, completed_at.astimezone(where_zone).date())].cycles.append(
                max(0, int((completed_at - created_at).total_seconds()))
            )
    ordered = sorted(cells.items(), key=lambda item: [_sort_key(v) for v in item[0]])
    rows = [[*key, *(_metric(m, cell) for m in metrics)] for key, cell in ordered[:MAX_ROWS]]
    return Table(
        [d.value for d in dimensions] + [m.value for m in metrics], rows, len(ordered) > MAX_ROWS
    )


def _nearest(values: list[int], fraction: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


_METRICS: dict[Metric, Callable[[_Cell], Any]] = {
    Metric.CREATED: lambda c: c.created,
    Metric.OPEN: lambda c: c.open,
    Metric.OVERDUE: lambda c: c.overdue,
    Metric.COMPLETION_RATE: lambda c: round(c.done / c.live, 4) if c.live else None,
    Metric.ESTIMATE_MINUTES_SUM: lambda c: c.estimate,
    Metric.TIME_SPENT_MINUTES_SUM: lambda c: c.time_spent,
    Metric.COMPLETED: lambda c: len(c.cycles),
    Metric.CYCLE_TIME_HOURS_AVG: lambda c: (
        _hours(sum(c.cycles) / len(c.cycles)) if c.cycles else None
    ),
    Metric.CYCLE_TIME_HOURS_P50: lambda c: _hours(_nearest(c.cycles, 0.5)),
}


def _metric(metric: Metric, cell: _Cell) -> Any:
    return _METRICS[metric](cell)
