"""AI analysis through the API and the job runner (docs/api.md), local provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from smarttask.adapters.llm.local import LocalAnalyser
from smarttask.analysis import jobs
from smarttask.settings import AISettings
from tests.support.analysis import (
    Counting,
    drain,
    queued_jobs,
    read_analysis,
    request_analysis,
    tokens_today,
)
from tests.support.tasks import Board, new_board, new_task
from tests.support.workspaces import signup

DESCRIPTION = (
    "The checkout page times out for some customers.\n"
    "- Reproduce with a large cart\n"
    "- Add an index on order lines\n"
    "Deploy the fix behind a flag."
)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> list[Counting]:
    """Every provider the jobs build, counting their calls."""
    built: list[Counting] = []

    def build(settings: AISettings) -> Counting:
        built.append(Counting(LocalAnalyser(settings)))
        return built[-1]

    monkeypatch.setattr(jobs, "provider_for", build)
    return built


def calls(built: list[Counting]) -> int:
    return sum(len(p.requests) for p in built)


async def analysed_task(client: httpx.AsyncClient, app: Any) -> tuple[Board, dict[str, Any]]:
    board = await new_board(client)
    task = await new_task(client, board, title="Checkout is slow", description=DESCRIPTION)
    queued = await request_analysis(client, task["id"], board.member.headers)
    assert queued.status_code == 202, queued.text
    assert await drain(app) == 1
    return board, task


async def test_request_runs_as_a_job_and_shows_the_result(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Checkout is slow", description=DESCRIPTION)
    missing = await read_analysis(client, task["id"], board.viewer.headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"

    queued = await request_analysis(client, task["id"], board.member.headers)
    assert queued.status_code == 202, queued.text
    assert queued.headers["Location"] == f"/api/v1/tasks/{task['id']}/analysis"
    body = queued.json()
    assert body["status"] == "pending"
    assert (body["provider"], body["model"]) == ("local", "smarttask-local-1")
    assert body["summary"] is None
    assert body["guardrail"] is None
    assert (await read_analysis(client, task["id"], board.viewer.headers)).json()["status"] == (
        "pending"
    )

    assert await drain(app) == 1
    done = (await read_analysis(client, task["id"], board.viewer.headers)).json()
    assert done["id"] == body["id"]
    assert done["status"] == "done", done
    assert done["summary"] == "The checkout page times out for some customers."
    assert done["subtasks"] == [
        "Reproduce with a large cart",
        "Add an index on order lines",
        "Deploy the fix behind a flag",
    ]
    assert "Who will own this task?" in done["questions"]
    assert done["suggested_priority"] in ("medium", "high")
    assert done["estimate_minutes"] > 0
    assert done["guardrail"] == {"passed": True, "findings": []}
    assert done["usage"]["input_tokens"] > 0
    assert done["usage"]["output_tokens"] > 0
    assert done["error"] is None
    assert done["cached"] is False
    assert done["completed_at"] is not None
    assert done["attempts"] == 1
    used = await tokens_today(app, board.workspace_id)
    assert used == done["usage"]["input_tokens"] + done["usage"]["output_tokens"]
    assert calls(provider) == 1


async def test_identical_content_never_pays_twice(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board, task = await analysed_task(client, app)
    first = (await read_analysis(client, task["id"], board.member.headers)).json()
    spent = await tokens_today(app, board.workspace_id)

    again = await request_analysis(client, task["id"], board.member.headers)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"]
    assert again.json()["status"] == "done"

    twin = await new_task(client, board, title="Checkout is slow", description=DESCRIPTION)
    cached = await request_analysis(client, twin["id"], board.owner.headers)
    assert cached.status_code == 200, cached.text
    body = cached.json()
    assert body["cached"] is True
    assert body["task_id"] == twin["id"]
    assert body["summary"] == first["summary"]
    assert body["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert (await read_analysis(client, twin["id"], board.viewer.headers)).json()["id"] == (
        body["id"]
    )

    assert await drain(app) == 0
    assert calls(provider) == 1
    assert await queued_jobs(app) == 1
    assert await tokens_today(app, board.workspace_id) == spent


async def test_changed_content_gets_a_new_analysis(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board, task = await analysed_task(client, app)
    first = (await read_analysis(client, task["id"], board.member.headers)).json()
    changed = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"labels": ["perf"]}, headers=board.member.headers
    )
    assert changed.status_code == 200
    queued = await request_analysis(client, task["id"], board.member.headers)
    assert queued.status_code == 202
    assert queued.json()["id"] != first["id"]
    # Until it runs, the latest analysis is the pending one.
    latest = (await read_analysis(client, task["id"], board.member.headers)).json()
    assert (latest["id"], latest["status"]) == (queued.json()["id"], "pending")
    assert await drain(app) == 1
    assert calls(provider) == 2


async def test_an_open_analysis_is_joined_not_duplicated(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Write the docs")
    first = await request_analysis(client, task["id"], board.member.headers)
    second = await request_analysis(client, task["id"], board.owner.headers)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
    assert await queued_jobs(app) == 1
    assert await drain(app) == 1
    assert calls(provider) == 1


async def test_an_analysis_never_changes_the_task(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board = await new_board(client)
    task = await new_task(
        client,
        board,
        title="Security outage in production, urgent",
        description=DESCRIPTION,
        due_at=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
    )
    assert (await request_analysis(client, task["id"], board.member.headers)).status_code == 202
    assert await drain(app) == 1
    analysis = (await read_analysis(client, task["id"], board.member.headers)).json()
    assert analysis["suggested_priority"] == "urgent"
    after = (await client.get(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)).json()
    for field in ("version", "updated_at", "priority", "estimate_minutes", "title", "status"):
        assert after[field] == task[field], field
    assert after["priority"] == "none"
    trail = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=board.member.headers)
    assert [entry["action"] for entry in trail.json()["items"]] == ["created"]


async def test_roles_and_tenants(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board, task = await analysed_task(client, app)
    refused = await request_analysis(client, task["id"], board.viewer.headers)
    assert refused.status_code == 403
    assert (await read_analysis(client, task["id"], board.viewer.headers)).status_code == 200
    stranger = await signup(client, "s")
    for call in (request_analysis, read_analysis):
        response = await call(client, task["id"], stranger.headers)
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "There is no such task."
    unknown = await read_analysis(client, "00000000-0000-4000-8000-000000000000", stranger.headers)
    assert unknown.json()["detail"] == "There is no such task."
    assert (await client.get(f"/api/v1/tasks/{task['id']}/analysis")).status_code == 401


async def test_a_deleted_task_leaves_no_analysis(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Short-lived")
    assert (await request_analysis(client, task["id"], board.member.headers)).status_code == 202
    deleted = await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    assert deleted.status_code == 204
    assert await drain(app) == 1  # the job finds nothing to do and ends cleanly
    assert calls(provider) == 0
    assert (await read_analysis(client, task["id"], board.member.headers)).status_code == 404


async def test_idempotency_key_replays_the_request(
    client: httpx.AsyncClient, app: Any, provider: list[Counting]
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Plan the launch")
    headers = board.member.headers | {"Idempotency-Key": "analysis-1"}
    first = await request_analysis(client, task["id"], headers)
    replay = await request_analysis(client, task["id"], headers)
    assert (first.status_code, replay.status_code) == (202, 202)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert await queued_jobs(app) == 1
