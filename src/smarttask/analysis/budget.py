"""The daily AI token budgets (UTC days): per workspace, and per requesting user.

The user's budget covers every workspace: making more workspaces buys no more analyses.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analysis import repository
from smarttask.kit.problems import TooManyRequests
from smarttask.settings import AISettings


def seconds_until_midnight(now: datetime) -> int:
    """Whole seconds until the next UTC day starts (at least 1)."""
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    return max(1, math.ceil((midnight - now).total_seconds()))


async def ensure_available(
    session: AsyncSession, workspace_id: str, user_id: str, ai: AISettings, now: datetime
) -> None:
    """429 when the workspace or the user spent their tokens today; a budget of 0 turns off.

    The caller holds the user's lock (accounts.repository.lock_user), then the workspace's.
    """
    retry = {"Retry-After": str(seconds_until_midnight(now))}
    if ai.daily_token_budget <= 0 or ai.daily_user_token_budget <= 0:
        raise TooManyRequests(
            "AI analysis is turned off on this instance (its daily token budget is 0).",
            headers=retry,
            extra={"code": "ai_disabled", "budget": 0},
        )
    budget = ai.daily_token_budget
    used = await repository.tokens_used(session, workspace_id, now.date())
    if used >= budget:
        raise TooManyRequests(
            f"This workspace used its AI budget for today ({used} of {budget} tokens); "
            "it renews at midnight UTC.",
            headers=retry,
            extra={"code": "ai_budget_exhausted", "budget": budget, "used": used},
        )
    # The user's analyses still in flight are billed only when they finish: each holds
    # back `max_output_tokens`, so a burst across many workspaces cannot outrun the budget.
    budget = ai.daily_user_token_budget
    used = await repository.user_tokens_used(session, user_id, now.date())
    held = await repository.open_requested_by(session, user_id) * ai.max_output_tokens
    if used + held >= budget:
        raise TooManyRequests(
            f"You used your AI budget for today ({used} of {budget} tokens across all "
            f"workspaces, {held} more held by analyses in progress); it renews at midnight UTC.",
            headers=retry,
            extra={
                "code": "ai_user_budget_exhausted",
                "budget": budget,
                "used": used,
                "held": held,
            },
        )


async def spend(
    session: AsyncSession, workspace_id: str, user_id: str | None, tokens: int, now: datetime
) -> None:
    """Count an analysis's tokens against today's budgets of its workspace and requester."""
    if tokens > 0:
        await repository.add_tokens(session, workspace_id, now.date(), tokens)
        if user_id is not None:
            await repository.add_user_tokens(session, user_id, now.date(), tokens)
