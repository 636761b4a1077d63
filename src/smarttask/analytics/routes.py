"""The analytics calls (contract §8): thin routes over analytics/service.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.deps import CurrentUser
from smarttask.accounts.models import User
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
_ERRORS = problems(401, 404, 422, 503)


@dataclass(frozen=True, slots=True)
class Common:
    """The parameters every analytics call takes (`project_id` where the call has one)."""

    workspace_id: str
    start: date | None
    to: date | None


async def common(
    workspace_id: Annotated[str, Query(min_length=1, max_length=64)],
    start: Annotated[
        date | None,
        Query(
            alias="from",
            description="first day, in the workspace's zone (default: 30 days before `to`)",
        ),
    ] = None,
    to: Annotated[date | None, Query(description="last day, inclusive (default: today)")] = None,
) -> Common:
    """The common parameters of the request."""
    return Common(workspace_id, start, to)


CommonDep = Annotated[Common, Depends(common)]
ProjectId = Annotated[str | None, Query(min_length=1, max_length=64)]


async def _scope(
    session: AsyncSession,
    user: User,
    asked: Common,
    project_id: str | None = None,
    minimum: Role = Role.VIEWER,
) -> service.Scope:
    return await service.scope(
        session, user, asked.workspace_id, asked.start, asked.to, project_id, minimum
    )


@router.get("/dashboard", response_model=Dashboard, responses=_ERRORS)
async def dashboard(
    user: CurrentUser, session: SessionDep, asked: CommonDep, project_id: ProjectId = None
) -> Dashboard:
    """Totals now, created and completed per day, cycle time and workload (members)."""
    return await service.dashboard(session, await _scope(session, user, asked, project_id))


@router.get(
    "/team-performance", response_model=TeamPerformance, responses=problems(401, 403, 404, 422, 503)
)
async def team_performance(
    user: CurrentUser, session: SessionDep, asked: CommonDep
) -> TeamPerformance:
    """Each member's open work and completions over the range (admins and owners)."""
    where = await _scope(session, user, asked, minimum=Role.ADMIN)
    return await service.team_performance(session, where)


@router.get("/project-progress", response_model=ProjectProgress, responses=_ERRORS)
async def project_progress(
    user: CurrentUser,
    session: SessionDep,
    asked: CommonDep,
    project_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> ProjectProgress:
    """A project's completion, burn-up and Monte Carlo forecast (members); `project_id`
    is required here."""
    where = await _scope(session, user, asked, project_id)
    return await service.project_progress(session, where)


@router.get("/me", response_model=MyFigures, responses=_ERRORS)
async def my_figures(
    user: CurrentUser, session: SessionDep, asked: CommonDep, project_id: ProjectId = None
) -> MyFigures:
    """The caller's own figures in the workspace."""
    return await service.my_figures(session, await _scope(session, user, asked, project_id))


@router.post(
    "/custom-report",
    response_model=ReportResult,
    responses=problems(401, 404, 413, 415, 422, 503),
)
async def custom_report(
    body: ReportDefinition,
    user: CurrentUser,
    session: SessionDep,
    asked: CommonDep,
    project_id: ProjectId = None,
) -> ReportResult:
    """Dimensions by metrics over the tasks, with the list filters (members)."""
    where = await service.scope(
        session,
        user,
        asked.workspace_id,
        asked.start or body.from_,
        asked.to or body.to,
        project_id or body.project_id,
        days=body.days or service.DEFAULT_DAYS,
    )
    return await service.custom_report(session, where, body)
