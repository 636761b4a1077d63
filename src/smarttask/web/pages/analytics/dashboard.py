"""A workspace's dashboard: totals, created and completed per day, a project's burn-up with
its forecast, cycle time, the open work per member, my figures, and (for admins and owners)
the team's performance; all from the analytics service the API's /analytics calls use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.analytics import service as analytics
from smarttask.analytics.schemas import Dashboard, ProjectProgress
from smarttask.kit.session import SessionDep
from smarttask.projects.schemas import ProjectRead
from smarttask.reports import charts
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.analytics.common import (
    PERIODS,
    DaysText,
    DayText,
    FromText,
    ProjectChoice,
    blank,
    hours,
    open_scope,
    parse_range,
    percent,
    project_choices,
)
from smarttask.web.pages.workspaces.common import WorkspaceId
from smarttask.workspaces.roles import Role

router = APIRouter()


def _created_completed(board: Dashboard) -> str | None:
    """The line chart of tasks created and completed per day; None when both are all zero."""
    created = [day.count for day in board.created_per_day]
    completed = [day.count for day in board.completed_per_day]
    if not any(created) and not any(completed):
        return None
    dates = [day.date.isoformat() for day in board.created_per_day]
    return charts.line_chart(
        "Tasks created and completed per day",
        dates,
        [("Created", created), ("Completed", completed)],
    )


def _burnup(project: ProjectRead, progress: ProjectProgress) -> str | None:
    """The project's burn-up with the forecast band; None when the project had no tasks."""
    if not any(day.scope or day.done for day in progress.burnup):
        return None
    outlook = progress.forecast
    band = None
    if outlook.p50_date is not None and outlook.p85_date is not None:
        band = (outlook.p50_date.isoformat(), outlook.p85_date.isoformat())
    return charts.burnup_chart(
        f"Burn-up of {project.name}",
        [day.date.isoformat() for day in progress.burnup],
        [day.scope for day in progress.burnup],
        [day.done for day in progress.burnup],
        band,
    )


def _cycle(board: Dashboard) -> str | None:
    """How long the completed tasks took, as bars per duration; None without completions."""
    spread = board.cycle_time_distribution
    if not any(bucket.count for bucket in spread):
        return None
    return charts.bar_chart(
        "Completed tasks by cycle time",
        [bucket.bucket for bucket in spread],
        [("Completed tasks", [bucket.count for bucket in spread])],
    )


def _workload(board: Dashboard) -> str | None:
    """Open tasks per member as horizontal bars; None when nobody has any."""
    if not board.workload:
        return None
    return charts.bar_chart(
        "Open tasks per member",
        [member.name for member in board.workload],
        [("Open tasks", [member.open_assigned for member in board.workload])],
        horizontal=True,
    )


def _preset_links(workspace_id: str, project_id: str | None) -> list[tuple[int, str]]:
    links = []
    for days in PERIODS:
        query: dict[str, Any] = {"days": days}
        if project_id:
            query["project_id"] = project_id
        links.append((days, f"/workspaces/{workspace_id}/dashboard?{urlencode(query)}"))
    return links


@router.get("/workspaces/{workspace_id}/dashboard")
async def dashboard(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    days: DaysText = None,
    start: FromText = None,
    to: DayText = None,
    project_id: ProjectChoice = None,
) -> Response:
    """The dashboard of a workspace (members of every role), or of one of its projects."""
    asked = parse_range(days, start, to)
    chosen = blank(project_id)
    where, range_error = await open_scope(session, caller, workspace_id, asked, chosen)
    access = where.access
    board = await analytics.dashboard(session, where)
    mine = await analytics.my_figures(session, where)
    listed = await project_choices(session, where, chosen)
    followed = next((p for p in listed if p.id == chosen), None) if chosen else None
    followed = followed or (listed[0] if listed else None)
    progress = None
    if followed is not None:
        progress = await analytics.project_progress(session, replace(where, project_id=followed.id))
    team = None
    if access.role.at_least(Role.ADMIN):  # the API's team-performance call needs admin too
        team = await analytics.team_performance(session, where)
    totals = board.totals
    context: dict[str, Any] = {
        "workspace": access.workspace,
        "role": access.role,
        "board": board,
        "mine": mine,
        "team": team,
        "projects": listed,
        "chosen_project": chosen,
        "followed": followed,
        "progress": progress,
        "start": where.start,
        "end": where.end,
        "today": analytics.today_in(where.timezone, where.now),
        "preset": asked.preset,
        "presets": _preset_links(access.workspace.id, chosen),
        "range_error": range_error,
        "has_tasks": any((totals.todo, totals.in_progress, totals.done, totals.cancelled)),
        "summary_url": f"/workspaces/{access.workspace.id}/dashboard/summary?"
        + urlencode(
            {"from": where.start.isoformat(), "to": where.end.isoformat()}
            | ({"project_id": chosen} if chosen else {})
        ),
        "created_chart": _created_completed(board),
        "burnup_chart": _burnup(followed, progress) if followed and progress else None,
        "workload_chart": _workload(board),
        "cycle_chart": _cycle(board),
        "hours": hours,
        "percent": percent,
        "iso": date.isoformat,
    }
    return await page(
        request,
        session,
        caller,
        "analytics/dashboard.html",
        context,
        workspace_id=access.workspace.id,
    )
