"""A report's executive summary: the analysis layer's sentences about its table."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analysis.summaries import report_figures, summarise
from smarttask.analytics.schemas import ReportResult
from smarttask.db.engine import Database
from smarttask.settings import AISettings


async def summary_of(
    within: Database | AsyncSession, ai: AISettings, workspace_id: str, result: ReportResult
) -> list[str]:
    """The sentences that passed the guardrail (none when summaries are off or failed)."""
    figures = report_figures(result.columns, result.rows, result.from_, result.to)
    summary = await summarise(within, ai, workspace_id, figures)
    return summary.sentences if summary is not None else []
