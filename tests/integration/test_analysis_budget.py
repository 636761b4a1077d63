"""The per-workspace daily AI token budget, through the default (factory-built) provider."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from smarttask.analysis import repository
from smarttask.db.types import utcnow
from tests.support.analysis import (
    drain,
    queued_jobs,
    read_analysis,
    request_analysis,
    tokens_today,
)
from tests.support.tasks import new_board, new_task


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A budget one local analysis exhausts."""
    return {"ai_daily_token_budget": 10}


async def test_a_spent_budget_answers_429_until_midnight_and_queues_nothing(
    client: httpx.AsyncClient, app: Any
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Tidy the backlog", description="Close stale items.")
    assert (await request_analysis(client, task["id"], board.member.headers)).status_code == 202
    assert await drain(app) == 1
    first = (await read_analysis(client, task["id"], board.member.headers)).json()
    assert first["status"] == "done"
    assert await tokens_today(app, board.workspace_id) >= 10

    edited = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"description": "Close stale items today."},
        headers=board.member.headers,
    )
    assert edited.status_code == 200
    refused = await request_analysis(client, task["id"], board.member.headers)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    problem = refused.json()
    assert problem["code"] == "ai_budget_exhausted"
    assert "midnight UTC" in problem["detail"]
    assert await queued_jobs(app) == 1
    latest = (await read_analysis(client, task["id"], board.member.headers)).json()
    assert latest["id"] == first["id"]

    # The cache costs nothing, so it still answers over budget.
    twin = await new_task(client, board, title="Tidy the backlog", description="Close stale items.")
    cached = await request_analysis(client, twin["id"], board.member.headers)
    assert cached.status_code == 200
    assert cached.json()["cached"] is True

    # Budgets are per workspace.
    other = await new_board(client)
    elsewhere = await new_task(client, other, title="Something else")
    assert (await request_analysis(client, elsewhere["id"], other.member.headers)).status_code == (
        202
    )


async def test_a_zero_budget_turns_analysis_off(client_with: Any) -> None:
    client = await client_with(ai_daily_token_budget=0)
    board = await new_board(client)
    task = await new_task(client, board, title="Anything")
    refused = await request_analysis(client, task["id"], board.member.headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "ai_disabled"
    assert "Retry-After" in refused.headers
    assert (await read_analysis(client, task["id"], board.member.headers)).status_code == 404


async def test_usage_is_added_atomically(client: httpx.AsyncClient, app: Any) -> None:
    board = await new_board(client)
    today = utcnow()

    async def add() -> None:
        async with app.state.database.session() as session:
            await repository.add_tokens(session, board.workspace_id, today.date(), 7)
            await session.commit()

    await asyncio.gather(*(add() for _ in range(20)))
    assert await tokens_today(app, board.workspace_id) == 140
