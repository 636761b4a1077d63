"""The per-workspace daily token budget (UTC days)."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analysis import repository
from smarttask.kit.problems import TooManyRequests


def seconds_until_midnight(now: datetime) -> int:
    """Whole seconds until the next UTC day starts (at least 1)."""
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    return max(1, math.ceil((midnight - now).total_seconds()))


async def ensure_available(
    session: AsyncSession, workspace_id: str, budget: int, now: datetime
) -> None:
    """429 when the workspace spent its tokens today; a budget of 0 turns analyses off."""
    retry = {"Retry-After": str(seconds_until_midnight(now))}
    if budget <= 0:
        raise TooManyRequests(
            "AI analysis is turned off on this instance (its daily token budget is 0).",
            headers=retry,
            extra={"code": "ai_disabled", "budget": 0},
        )
    used = await repository.tokens_used(session, workspace_id, now.date())
    if used >= budget:
        raise TooManyRequests(
            f"This workspace used its AI budget for today ({used} of {budget} tokens); "
            "it renews at midnight UTC.",
            headers=retry,
            extra={"code": "ai_budget_exhausted", "budget": budget, "used": used},
        )


async def spend(session: AsyncSession, workspace_id: str, tokens: int, now: datetime) -> None:
    """Count an analysis's tokens against today's budget."""
    if tokens > 0:
        await repository.add_tokens(session, workspace_id, now.date(), tokens)
