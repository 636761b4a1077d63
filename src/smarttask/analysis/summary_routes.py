"""`GET /api/v1/analytics/summary`: the dashboard's executive summary."""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.accounts.deps import CurrentUser
from smarttask.analysis.summaries import dashboard_figures, summarise
from smarttask.analytics import service as analytics
from smarttask.analytics.routes import CommonDep, ProjectId
from smarttask.kit.deps import DatabaseDep, SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.schemas import OutputSchema
from smarttask.kit.session import SessionDep

router = APIRouter(tags=["analytics"])


class SummaryRead(OutputSchema):
    """A few sentences about the figures; each states only numbers found in them."""

    enabled: bool
    sentences: list[str]
    refused: int
    model: str | None
    note: str | None


@router.get(
    "/analytics/summary", response_model=SummaryRead, responses=problems(401, 404, 422, 503)
)
async def dashboard_summary(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    database: DatabaseDep,
    asked: CommonDep,
    project_id: ProjectId = None,
) -> SummaryRead:
    """The executive summary of the dashboard for the same parameters (members)."""
    where = await analytics.scope(
        session, user, asked.workspace_id, asked.start, asked.to, project_id
    )
    figures = dashboard_figures(await analytics.dashboard(session, where))
    summary = await summarise(database, settings.ai, asked.workspace_id, figures)
    if summary is None:
        return SummaryRead(enabled=False, sentences=[], refused=0, model=None, note=None)
    return SummaryRead(
        enabled=True,
        sentences=summary.sentences,
        refused=summary.refused,
        model=summary.model,
        note=summary.note,
    )
