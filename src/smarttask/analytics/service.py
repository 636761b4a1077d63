"""The analytics calls: figures from the aggregates, in the workspace's calendar days.

Private projects: a member who is not one of a private project's members (nor an admin or
owner) gets the workspace's figures without its tasks, and 404 when asking for it by
`project_id`, as if it did not exist (`Scope.hidden`, from workspaces/access.py's rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.analytics import custom, forecast, repository
from smarttask.analytics.schemas import (
    BurnupDay,
    CycleBucket,
    Dashboard,
    DayCount,
    Forecast,
    MemberPerformance,
    MyFigures,
    Percentiles,
    ProjectProgress,
    ReportDefinition,
    ReportResult,
    TeamPerformance,
    Totals,
    Workload,
)
from smarttask.db.types import utcnow
from smarttask.history.models import UNASSIGNED
from smarttask.history.service import zone
from smarttask.kit.days import EARLIEST_DAY, LATEST_DAY
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.projects import repository as projects
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

DEFAULT_DAYS = 30
MAX_DAYS = 1096  # three years, the history's retention
MISSING_PROJECT = "There is no such project."
_FRACTIONS = (0.5, 0.85)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a call is about: the caller's access, the days, maybe one project, and the
    workspace's private projects whose tasks the figures leave out (hidden from the caller)."""

    access: WorkspaceAccess
    start: date
    end: date
    project_id: str | None
    now: datetime
    hidden: tuple[str, ...]

    @property
    def workspace_id(self) -> str:
        """The workspace's id."""
        return self.access.workspace.id

    @property
    def timezone(self) -> str:
        """The workspace's time zone."""
        return self.access.workspace.timezone

    def days(self) -> list[date]:
        """Every day of the range."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["query", field], "msg": message, "type": "value_error"}]
    )


def today_in(timezone: str, now: datetime) -> date:
    """The calendar day it is now in a time zone."""
    return now.astimezone(zone(timezone)).date()


async def scope(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    start: date | None,
    end: date | None,
    project_id: str | None,
    minimum: Role = Role.VIEWER,
    *,
    days: int = DEFAULT_DAYS,
) -> Scope:
    """Check the caller's access and resolve the range (default: the last `days` days)."""
    for name, given in (("from", start), ("to", end)):
        if given is not None and not EARLIEST_DAY <= given <= LATEST_DAY:
            raise _invalid(name, f"`{name}` must be from {EARLIEST_DAY} to {LATEST_DAY}.")
    access = await require_role(session, user, workspace_id, minimum)
    now = utcnow()
    end = end or today_in(access.workspace.timezone, now)
    start = start or end - timedelta(days=days - 1)
    if start > end:
        raise _invalid("from", "`from` must not be after `to`.")
    if (end - start).days >= MAX_DAYS:
        raise _invalid("from", f"A range covers at most {MAX_DAYS} days.")
    hidden = await hidden_from(session, access)
    if project_id is not None:
        project = await projects.get(session, project_id)
        if project is None or project.workspace_id != workspace_id or project_id in hidden:
            raise NotFound(MISSING_PROJECT)
    return Scope(access, start, end, project_id, now, hidden)


async def hidden_from(session: AsyncSession, access: WorkspaceAccess) -> tuple[str, ...]:
    """The workspace's private projects the member cannot see (none for admins and owners)."""
    viewer = access.private_filter_for
    if viewer is None:
        return ()
    return tuple(await repository.hidden_projects(session, access.workspace.id, viewer))


def narrowed(where: Scope, hidden: Iterable[str]) -> Scope:
    """The scope leaving out these projects' tasks too (404 if it is about one of them)."""
    more = tuple(sorted(set(where.hidden) | set(hidden)))
    if where.project_id is not None and where.project_id in more:
        raise NotFound(MISSING_PROJECT)
    return replace(where, hidden=more)


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _percentiles(found: list[int] | None) -> Percentiles:
    values = found or [None, None]  # type: ignore[list-item]
    return Percentiles(p50=_hours(values[0]), p85=_hours(values[1]))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def dashboard(session: AsyncSession, where: Scope) -> Dashboard:
    """Totals now, created and completed per day, cycle time, and the open work per member."""
    ws, project, hidden = where.workspace_id, where.project_id, where.hidden
    statuses = await repository.now_by_status(session, ws, project, hidden=hidden)
    daily = await repository.per_day(session, ws, project, where.start, where.end, hidden=hidden)
    cycle = await repository.cycle_percentiles(
        session, ws, where.start, where.end, _FRACTIONS, project_id=project, hidden=hidden
    )
    histogram = await repository.cycle_histogram(
        session, ws, where.start, where.end, project, hidden=hidden
    )
    open_work = await repository.open_by_assignee(session, ws, project, hidden=hidden)
    names = dict(await repository.member_names(session, ws))
    return Dashboard(
        workspace_id=ws,
        project_id=project,
        timezone=where.timezone,
        from_=where.start,
        to=where.end,
        totals=Totals(
            todo=statuses.get("todo", 0),
            in_progress=statuses.get("in_progress", 0),
            done=statuses.get("done", 0),
            cancelled=statuses.get("cancelled", 0),
            overdue=await repository.overdue(session, ws, project, where.now, hidden=hidden),
            at_risk=await repository.at_risk(session, ws, project, hidden=hidden),
        ),
        created_per_day=[DayCount(date=d, count=daily.get(d, (0, 0))[0]) for d in where.days()],
        completed_per_day=[DayCount(date=d, count=daily.get(d, (0, 0))[1]) for d in where.days()],
        cycle_time_hours=_percentiles(cycle.get("")),
        cycle_time_distribution=[
            CycleBucket(bucket=label, count=count)
            for (label, _), count in zip(repository.CYCLE_BUCKETS, histogram, strict=True)
        ],
        workload=sorted(
            (
                Workload(user_id=key, name=names.get(key, "Former member"), open_assigned=count)
                for key, count in open_work.items()
                if key != UNASSIGNED and count
            ),
            key=lambda w: (-w.open_assigned, w.name),
        ),
    )


async def team_performance(session: AsyncSession, where: Scope) -> TeamPerformance:
    """Each member's open work now and completions over the range (admins and owners)."""
    ws, hidden = where.workspace_id, where.hidden
    open_work = await repository.open_by_assignee(session, ws, hidden=hidden)
    completions = await repository.completions_by_assignee(
        session, ws, where.start, where.end, hidden=hidden
    )
    cycle = await repository.cycle_percentiles(
        session, ws, where.start, where.end, (0.5,), by_assignee=True, hidden=hidden
    )
    members = []
    for user_id, name in await repository.member_names(session, ws):
        completed, due, on_time = completions.get(user_id, (0, 0, 0))
        p50 = cycle.get(user_id)
        members.append(
            MemberPerformance(
                user_id=user_id,
                name=name,
                open_assigned=open_work.get(user_id, 0),
                completed=completed,
                completed_on_time=on_time,
                completed_with_due_date=due,
                on_time_rate=_rate(on_time, due),
                cycle_time_hours_p50=_hours(p50[0]) if p50 else None,
            )
        )
    return TeamPerformance(workspace_id=ws, from_=where.start, to=where.end, members=members)


async def my_figures(session: AsyncSession, where: Scope) -> MyFigures:
    """The caller's own open work, completions and cycle time in the workspace."""
    ws, me, hidden = where.workspace_id, where.access.user.id, where.hidden
    open_work = await repository.open_by_assignee(session, ws, where.project_id, hidden=hidden)
    daily = await repository.per_day(
        session, ws, where.project_id, where.start, where.end, assignee_key=me, hidden=hidden
    )
    completions = await repository.completions_by_assignee(
        session, ws, where.start, where.end, where.project_id, hidden=hidden
    )
    completed, due, on_time = completions.get(me, (0, 0, 0))
    cycle = await repository.cycle_percentiles(
        session,
        ws,
        where.start,
        where.end,
        _FRACTIONS,
        project_id=where.project_id,
        assignee_key=me,
        hidden=hidden,
    )
    return MyFigures(
        workspace_id=ws,
        user_id=me,
        from_=where.start,
        to=where.end,
        open_assigned=open_work.get(me, 0),
        overdue_assigned=await repository.overdue(
            session, ws, where.project_id, where.now, assignee_id=me, hidden=hidden
        ),
        completed=completed,
        completed_on_time=on_time,
        completed_with_due_date=due,
        on_time_rate=_rate(on_time, due),
        cycle_time_hours=_percentiles(cycle.get("")),
        completed_per_day=[DayCount(date=d, count=daily.get(d, (0, 0))[1]) for d in where.days()],
    )


async def project_progress(session: AsyncSession, where: Scope) -> ProjectProgress:
    """The project's burn-up over the range, its completion now, and the forecast."""
    ws, project = where.workspace_id, where.project_id
    assert project is not None, "the route requires project_id"
    running = await repository.flow_before(session, ws, project, where.start)
    changes: dict[date, dict[str, int]] = {}
    for day, status, count in await repository.flow_between(
        session, ws, project, where.start, where.end
    ):
        changes.setdefault(day, {})[status] = count
    burnup = []
    for day in where.days():
        for status, count in changes.get(day, {}).items():
            running[status] = running.get(status, 0) + count
        scope_size = sum(n for status, n in running.items() if status != "cancelled")
        burnup.append(BurnupDay(date=day, scope=scope_size, done=running.get("done", 0)))
    now = await repository.now_by_status(session, ws, project, hidden=where.hidden)
    total = sum(n for status, n in now.items() if status != "cancelled")
    done = now.get("done", 0)
    today = today_in(where.timezone, where.now)
    recent_start = today - timedelta(days=forecast.HISTORY_DAYS)
    recent = await repository.per_day(
        session, ws, project, recent_start, today - timedelta(1), hidden=where.hidden
    )
    throughput = [
        recent.get(recent_start + timedelta(days=n), (0, 0))[1]
        for n in range(forecast.HISTORY_DAYS)
    ]
    outlook = forecast.forecast(project, today, total - done, throughput)
    return ProjectProgress(
        project_id=project,
        from_=where.start,
        to=where.end,
        total=total,
        done=done,
        cancelled=now.get("cancelled", 0),
        completion_rate=_rate(done, total),
        burnup=burnup,
        forecast=Forecast(
            p50_date=outlook.p50,
            p85_date=outlook.p85,
            remaining=max(0, total - done),
            throughput_days=len(throughput),
            runs=forecast.RUNS,
            note=outlook.note,
        ),
    )


async def custom_report(
    session: AsyncSession, where: Scope, definition: ReportDefinition
) -> ReportResult:
    """The custom report's table over the scope's days (analytics/custom.py)."""
    table = await custom.run(
        session,
        workspace_id=where.workspace_id,
        zone=where.timezone,
        start=where.start,
        end=where.end,
        now=where.now,
        dimensions=definition.dimensions,
        metrics=definition.metrics,
        filters=definition.filters,
        project_id=where.project_id,
        hidden=where.hidden,
    )
    return ReportResult(
        columns=table.columns,
        rows=table.rows,
        truncated=table.truncated,
        from_=where.start,
        to=where.end,
        timezone=where.timezone,
    )
