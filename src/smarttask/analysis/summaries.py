"""Executive summaries: a few sentences by the analysis provider, checked by the guardrail.

Off with SMARTTASK_AI_SUMMARIES=false. Never blocks what it summarises: a provider error,
a timeout or a spent budget give no sentences and a note. The same figures with the same
provider and model are summarised once (`ai_summary`), so a dashboard reloaded costs
nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.llm.base import ProviderError
from smarttask.adapters.llm.factory import build_provider
from smarttask.analysis import repository
from smarttask.analysis.models import AISummary
from smarttask.analysis.summary_guard import review_summary
from smarttask.db.dialect import upsert
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.settings import AISettings


@dataclass(frozen=True, slots=True)
class Summary:
    """The sentences that passed the guardrail, how many did not, and why there are none."""

    sentences: list[str]
    refused: int
    model: str | None
    note: str | None = None


def _key(figures: dict[str, Any], ai: AISettings) -> str:
    encoded = json.dumps(figures, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{ai.provider}:{ai.model}:{encoded}".encode()).hexdigest()


async def summarise(
    within: Database | AsyncSession, ai: AISettings, workspace_id: str, figures: dict[str, Any]
) -> Summary | None:
    """The executive summary of `figures` (None when summaries are off).

    `within` a session that commits anyway (a job's), or a database: then in a short
    transaction of its own, so a summary asked for by a read-only request is kept (and
    its tokens spent).
    """
    if not ai.summaries:
        return None
    if isinstance(within, AsyncSession):
        return await _summarise(within, ai, workspace_id, figures)
    async with within.session() as session:
        summary = await _summarise(session, ai, workspace_id, figures)
        await session.commit()
    return summary


async def _summarise(
    session: AsyncSession, ai: AISettings, workspace_id: str, figures: dict[str, Any]
) -> Summary:
    key = _key(figures, ai)
    cached = await session.get(AISummary, key)
    if cached is not None:
        return Summary(list(cached.sentences), cached.refused, cached.model)
    now = utcnow()
    if ai.daily_token_budget and (
        await repository.tokens_used(session, workspace_id, now.date()) >= ai.daily_token_budget
    ):
        return Summary([], 0, None, "No summary: the workspace's AI budget for today is spent.")
    try:
        answer = await asyncio.wait_for(
            build_provider(ai).summarise(figures), timeout=ai.timeout * (ai.max_retries + 1)
        )
    except ProviderError as error:
        return Summary([], 0, None, f"No summary: {error.message}")
    except TimeoutError:
        return Summary([], 0, None, "No summary: the analysis provider did not answer in time.")
    review = review_summary(answer.data, figures)
    await repository.add_tokens(
        session, workspace_id, now.date(), answer.input_tokens + answer.output_tokens
    )
    await session.execute(
        upsert(session, AISummary)
        .values(
            key=key,
            workspace_id=workspace_id,
            sentences=review.sentences,
            refused=review.refused,
            model=answer.model,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return Summary(review.sentences, review.refused, answer.model)


def dashboard_figures(dashboard: Any) -> dict[str, Any]:
    """What a dashboard's summary may speak of (every number a sentence may state)."""
    totals = dashboard.totals
    busiest = dashboard.workload[0] if dashboard.workload else None
    return {
        "from": dashboard.from_.isoformat(),
        "to": dashboard.to.isoformat(),
        "created": sum(day.count for day in dashboard.created_per_day),
        "completed": sum(day.count for day in dashboard.completed_per_day),
        "todo": totals.todo,
        "in_progress": totals.in_progress,
        "done": totals.done,
        "cancelled": totals.cancelled,
        "overdue": totals.overdue,
        "at_risk": totals.at_risk,
        "cycle_time_hours_p50": dashboard.cycle_time_hours.p50,
        "cycle_time_hours_p85": dashboard.cycle_time_hours.p85,
        "top": (
            {"metric": "open work", "value": busiest.open_assigned, "label": busiest.name}
            if busiest
            else None
        ),
    }


def report_figures(
    columns: list[str], rows: list[list[Any]], start: Any, end: Any
) -> dict[str, Any]:
    """What a report's summary may speak of: its first rows and its largest first metric."""
    metrics = [i for i, _ in enumerate(columns) if rows and isinstance(rows[0][i], (int, float))]
    top = None
    if metrics:
        first = metrics[0]
        best = max(rows, key=lambda row: row[first] if row[first] is not None else float("-inf"))
        label = ", ".join(str(v) for i, v in enumerate(best) if i not in metrics) or "the total"
        top = {"metric": columns[first], "value": best[first], "label": label}
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": len(rows),
        "columns": columns,
        "first_rows": rows[:20],
        "top": top,
    }
