"""All SQL of the analytics calls: reads of the aggregates, and of the tasks for what is now.

Every aggregate is kept per project, so a caller's private projects hidden from them
(`hidden`, workspaces/access.py decides) are left out of a workspace's figures by their key.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, literal_column, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.history.models import AnalyticsCompletion, AnalyticsDay, AnalyticsNow
from smarttask.projects.models import Project
from smarttask.tasks.models import Task
from smarttask.workspaces.access import visible_to_sql
from smarttask.workspaces.models import Membership

OPEN = ("todo", "in_progress")


def _dialect(session: AsyncSession) -> str:
    assert session.bind is not None
    return session.bind.dialect.name


def _scope(
    model: Any, workspace_id: str, project_id: str | None, hidden: Sequence[str]
) -> list[Any]:
    where = [model.workspace_id == workspace_id]
    if project_id is not None:
        where.append(model.project_id == project_id)
    elif hidden:
        where.append(model.project_id.not_in(list(hidden)))
    return where


async def hidden_projects(session: AsyncSession, workspace_id: str, user_id: str) -> list[str]:
    """The workspace's private projects a member who is not an admin or owner cannot see."""
    statement = (
        select(Project.id)
        .where(
            Project.workspace_id == workspace_id,
            not_(visible_to_sql(user_id, Project.visibility, Project.id)),
        )
        .order_by(Project.id)
    )
    return list((await session.scalars(statement)).all())


async def now_by_status(
    session: AsyncSession, workspace_id: str, project_id: str | None, *, hidden: Sequence[str]
) -> dict[str, int]:
    """How many tasks are in each status now."""
    rows = await session.execute(
        select(AnalyticsNow.status, func.sum(AnalyticsNow.tasks))
        .where(*_scope(AnalyticsNow, workspace_id, project_id, hidden))
        .group_by(AnalyticsNow.status)
    )
    return {str(status): int(count or 0) for status, count in rows}


async def open_by_assignee(
    session: AsyncSession,
    workspace_id: str,
    project_id: str | None = None,
    *,
    hidden: Sequence[str],
) -> dict[str, int]:
    """Open tasks (to do, in progress) per assignee key now."""
    rows = await session.execute(
        select(AnalyticsNow.assignee_key, func.sum(AnalyticsNow.tasks))
        .where(
            *_scope(AnalyticsNow, workspace_id, project_id, hidden), AnalyticsNow.status.in_(OPEN)
        )
        .group_by(AnalyticsNow.assignee_key)
    )
    return {str(key): int(count or 0) for key, count in rows}


async def overdue(
    session: AsyncSession,
    workspace_id: str,
    project_id: str | None,
    now: datetime,
    assignee_id: str | None = None,
    *,
    hidden: Sequence[str],
) -> int:
    """Open tasks whose due date has passed (an index range per open status)."""
    where = [Task.status.in_(OPEN), Task.due_at < now, *_tasks_of(workspace_id, project_id, hidden)]
    if assignee_id is not None:
        where.append(Task.assignee_id == assignee_id)
    return int(await session.scalar(select(func.count()).where(*where)) or 0)


def _tasks_of(workspace_id: str, project_id: str | None, hidden: Sequence[str]) -> list[Any]:
    """The project's tasks, else the workspace's but those of the hidden projects."""
    if project_id is not None:
        return [Task.project_id == project_id]
    where = [Task.workspace_id == workspace_id]
    if hidden:
        where.append(Task.project_id.not_in(list(hidden)))
    return where


async def at_risk(
    session: AsyncSession, workspace_id: str, project_id: str | None, *, hidden: Sequence[str]
) -> int:
    """Open tasks whose risk level is high (only open tasks with a due date are scored, so
    the level alone says it: an index-only count)."""
    where = [Task.risk_level == "high", *_tasks_of(workspace_id, project_id, hidden)]
    return int(await session.scalar(select(func.count()).where(*where)) or 0)


async def per_day(
    session: AsyncSession,
    workspace_id: str,
    project_id: str | None,
    start: date,
    end: date,
    assignee_key: str | None = None,
    *,
    hidden: Sequence[str],
) -> dict[date, tuple[int, int]]:
    """Created and completed tasks per day in [start, end]."""
    where = [
        *_scope(AnalyticsDay, workspace_id, project_id, hidden),
        AnalyticsDay.day.between(start, end),
    ]
    if assignee_key is not None:
        where.append(AnalyticsDay.assignee_key == assignee_key)
    rows = await session.execute(
        select(AnalyticsDay.day, func.sum(AnalyticsDay.created), func.sum(AnalyticsDay.completed))
        .where(*where)
        .group_by(AnalyticsDay.day)
    )
    return {day: (int(created or 0), int(done or 0)) for day, created, done in rows}


async def completions_by_assignee(
    session: AsyncSession,
    workspace_id: str,
    start: date,
    end: date,
    project_id: str | None = None,
    *,
    hidden: Sequence[str],
) -> dict[str, tuple[int, int, int]]:
    """Completed, with a due date, and on time, per assignee key over [start, end]."""
    rows = await session.execute(
        select(
            AnalyticsDay.assignee_key,
            func.sum(AnalyticsDay.completed),
            func.sum(AnalyticsDay.completed_due),
            func.sum(AnalyticsDay.completed_on_time),
        )
        .where(
            *_scope(AnalyticsDay, workspace_id, project_id, hidden),
            AnalyticsDay.day.between(start, end),
        )
        .group_by(AnalyticsDay.assignee_key)
    )
    return {str(key): (int(a or 0), int(b or 0), int(c or 0)) for key, a, b, c in rows}


async def cycle_percentiles(
    session: AsyncSession,
    workspace_id: str,
    start: date,
    end: date,
    fractions: tuple[float, ...],
    *,
    project_id: str | None = None,
    assignee_key: str | None = None,
    by_assignee: bool = False,
    hidden: Sequence[str],
) -> dict[str, list[int]]:
    """Nearest-rank percentiles of the cycle seconds of completions over [start, end].

    Keyed by assignee when `by_assignee`, else under "". PostgreSQL computes them
    (`percentile_disc`, the same nearest rank); SQLite sends the sorted values.
    """
    done = AnalyticsCompletion
    where = [*_scope(done, workspace_id, project_id, hidden), done.day.between(start, end)]
    if assignee_key is not None:
        where.append(done.assignee_key == assignee_key)
    group = [done.assignee_key] if by_assignee else []
    if _dialect(session) == "postgresql":
        picks = [func.percentile_disc(f).within_group(done.cycle_seconds) for f in fractions]
        found: dict[str, list[int]] = {}
        for row in await session.execute(select(*group, *picks).where(*where).group_by(*group)):
            cells = tuple(row)
            key = str(cells[0]) if by_assignee else ""
            picked = cells[1:] if by_assignee else cells
            if all(v is not None for v in picked):
                found[key] = [int(v) for v in picked]
        return found
    ordered: dict[str, list[int]] = defaultdict(list)
    statement = select(*group, done.cycle_seconds).where(*where)
    for row in await session.execute(statement.order_by(*group, done.cycle_seconds)):
        cells = tuple(row)
        ordered[str(cells[0]) if by_assignee else ""].append(int(cells[-1]))
    return {key: [nearest_rank(v, f) for f in fractions] for key, v in ordered.items()}


def nearest_rank(ordered: list[int], fraction: float) -> int:
    """The smallest value with at least `fraction` of the values at or below it."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def flow_before(
    session: AsyncSession, workspace_id: str, project_id: str, start: date
) -> dict[str, int]:
    """How many of the project's tasks were in each status when `start` began."""
    rows = await session.execute(
        select(AnalyticsDay.status, func.sum(AnalyticsDay.tasks))
        .where(
            AnalyticsDay.workspace_id == workspace_id,
            AnalyticsDay.project_id == project_id,
            AnalyticsDay.day < start,
        )
        .group_by(AnalyticsDay.status)
    )
    return {str(status): int(count or 0) for status, count in rows}


async def flow_between(
    session: AsyncSession, workspace_id: str, project_id: str, start: date, end: date
) -> list[tuple[date, str, int]]:
    """The project's net change per day and status over [start, end]."""
    rows = await session.execute(
        select(AnalyticsDay.day, AnalyticsDay.status, func.sum(AnalyticsDay.tasks))
        .where(
            AnalyticsDay.workspace_id == workspace_id,
            AnalyticsDay.project_id == project_id,
            AnalyticsDay.day.between(start, end),
        )
        .group_by(AnalyticsDay.day, AnalyticsDay.status)
    )
    return [(day, str(status), int(count or 0)) for day, status, count in rows]


async def member_names(session: AsyncSession, workspace_id: str) -> list[tuple[str, str]]:
    """Every member of the workspace with their name, by name."""
    rows = await session.execute(
        select(Membership.user_id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.name, Membership.user_id)
    )
    return [(str(user_id), str(name)) for user_id, name in rows]


# Cycle-time buckets of the dashboard's distribution: (label, upper bound in seconds).
CYCLE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under 1 day", 86_400),
    ("1-3 days", 3 * 86_400),
    ("3-7 days", 7 * 86_400),
    ("1-2 weeks", 14 * 86_400),
    ("2-4 weeks", 28 * 86_400),
    ("4 weeks or more", None),
)


async def cycle_histogram(
    session: AsyncSession,
    workspace_id: str,
    start: date,
    end: date,
    project_id: str | None,
    *,
    hidden: Sequence[str],
) -> list[int]:
    """How many completions over [start, end] fall in each of CYCLE_BUCKETS."""
    done = AnalyticsCompletion
    # Constants written into the SQL (our own integers): the same text in SELECT and GROUP
    # BY, which bound parameters would not be on PostgreSQL.
    bucket = case(
        *(
            (done.cycle_seconds < literal_column(str(bound)), literal_column(str(index)))
            for index, (_, bound) in enumerate(CYCLE_BUCKETS)
            if bound is not None
        ),
        else_=literal_column(str(len(CYCLE_BUCKETS) - 1)),
    )
    rows = await session.execute(
        select(bucket, func.count())
        .where(*_scope(done, workspace_id, project_id, hidden), done.day.between(start, end))
        .group_by(bucket)
    )
    counts = [0] * len(CYCLE_BUCKETS)
    for index, count in rows:
        counts[int(index)] = int(count)
    return counts
