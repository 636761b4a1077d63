"""The analytics calls (contract §8): thin routes over analytics/service.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from smarttask.accounts.deps import CurrentUser
from smarttask.analytics import service
from smarttask.analytics.schemas import (
    Dashboard,
    MyFigures,
    ProjectProgress,
    ReportDefinition,
    ReportResult,
    TeamPerformance,
)
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.workspaces.roles import Role

router = APIRouter(prefix="/analytics", tags=["analytics"])
WorkspaceId = Annotated[str, Query(min_length=1, max_length=64)]
From = Annotated[
    date | None,
    Query(alias="from", description="first day, in the workspace's zone (default: 30 days ago)"),
]
To = Annotated[date | None, Query(description="last day, inclusive (default: today)")]
ProjectId = Annotated[str | None, Query(min_length=1, max_length=64)]
_ERRORS = problems(401, 404, 422, 503)


@router.get("/dashboard", response_model=Dashboard, responses=_ERRORS)
async def dashboard(
    user: CurrentUser,
    session: SessionDep,
    workspace_id: WorkspaceId,
    start: From = None,
    to: To = None,
    project_id: ProjectId = None,
) -> Dashboard:
    """Totals now, created and completed per day, cycle time and workload (members)."""
    where = await service.scope(session, user, workspace_id, start, to, project_id)
    return await service.dashboard(session, where)


@router.get(
    "/team-performance", response_model=TeamPerformance, responses=problems(401, 403, 404, 422, 503)
)
async def team_performance(
    user: CurrentUser,
    session: SessionDep,
    workspace_id: WorkspaceId,
    start: From = None,
    to: To = None,
) -> TeamPerformance:
    """Each member's open work and completions over the range (admins and owners)."""
    where = await service.scope(session, user, workspace_id, start, to, None, Role.ADMIN)
    return await service.team_performance(session, where)


@router.get("/project-progress", response_model=ProjectProgress, responses=_ERRORS)
async def project_progress(
    user: CurrentUser,
    session: SessionDep,
    workspace_id: WorkspaceId,
    project_id: Annotated[str, Query(min_length=1, max_length=64)],
    start: From = None,
    to: To = None,
) -> ProjectProgress:
    """A project's completion, burn-up and Monte Carlo forecast (members)."""
    where = await service.scope(session, user, workspace_id, start, to, project_id)
    return await service.project_progress(session, where)


@router.get("/me", response_model=MyFigures, responses=_ERRORS)
async def my_figures(
    user: CurrentUser,
    session: SessionDep,
    workspace_id: WorkspaceId,
    start: From = None,
    to: To = None,
    project_id: ProjectId = None,
) -> MyFigures:
    """The caller's own figures in the workspace."""
    where = await service.scope(session, user, workspace_id, start, to, project_id)
    return await service.my_figures(session, where)


@router.post(
    "/custom-report",
    response_model=ReportResult,
    responses=problems(401, 404, 413, 415, 422, 503),
)
async def custom_report(
    body: ReportDefinition,
    user: CurrentUser,
    session: SessionDep,
    workspace_id: WorkspaceId,
    start: From = None,
    to: To = None,
    project_id: ProjectId = None,
) -> ReportResult:
    """Dimensions by metrics over the tasks, with the list filters (members)."""
    where = await service.scope(
        session,
        user,
        workspace_id,
        start or body.from_,
        to or body.to,
        project_id or body.project_id,
        days=body.days or service.DEFAULT_DAYS,
    )
    return await service.custom_report(session, where, body)
