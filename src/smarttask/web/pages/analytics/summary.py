"""The dashboard's executive summary, loaded after the page so that the page never waits on
the analysis provider; a page of its own without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.analysis.summaries import dashboard_figures, summarise
from smarttask.analytics import service as analytics
from smarttask.kit.deps import DatabaseDep, SettingsDep
from smarttask.kit.session import SessionDep
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.analytics.common import (
    DaysText,
    DayText,
    FromText,
    ProjectChoice,
    blank,
    open_scope,
    parse_range,
)
from smarttask.web.pages.workspaces.common import WorkspaceId
from smarttask.web.render import render

router = APIRouter()


@router.get("/workspaces/{workspace_id}/dashboard/summary")
async def dashboard_summary(
    request: Request,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    days: DaysText = None,
    start: FromText = None,
    to: DayText = None,
    project_id: ProjectChoice = None,
) -> Response:
    """The summary of the same figures the dashboard shows (members of every role)."""
    asked = parse_range(days, start, to)
    where, _ = await open_scope(session, caller, workspace_id, asked, blank(project_id))
    board = await analytics.dashboard(session, where)
    summary = await summarise(database, settings.ai, workspace_id, dashboard_figures(board))
    context: dict[str, Any] = {"summary": summary, "workspace": where.access.workspace}
    if request.headers.get("hx-request") == "true":
        return render(request, "analytics/_summary.html", context)
    return await page(
        request,
        session,
        caller,
        "analytics/summary.html",
        context | {"start": where.start, "end": where.end},
        workspace_id=workspace_id,
    )
