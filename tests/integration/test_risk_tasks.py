"""Risk on tasks: scored on every write, null when it does not apply, filterable, cheap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.tasks import Board, counting_queries, new_board, new_task, walk


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def _factors(task: dict[str, Any]) -> dict[str, float]:
    return {f["name"]: f["weight"] for f in task["risk"]["factors"]}


async def _patch(
    client: httpx.AsyncClient, board: Board, task_id: str, **fields: Any
) -> dict[str, Any]:
    response = await client.patch(
        f"/api/v1/tasks/{task_id}", json=fields, headers=board.member.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _get(client: httpx.AsyncClient, board: Board, task_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/tasks/{task_id}", headers=board.viewer.headers)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_risk_applies_to_open_tasks_with_a_due_date(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    assert (await new_task(client, board))["risk"] is None
    soon = await new_task(client, board, due_at=_due(0.5), estimate_minutes=2400)
    later = await new_task(client, board, due_at=_due(40))
    assert soon["risk"]["level"] in ("low", "medium", "high")
    assert 0 <= later["risk"]["score"] < soon["risk"]["score"] <= 1
    assert soon["risk"]["level"] == "high"
    assert _factors(soon)["work_vs_time_left"] > 0
    assert _factors(later)["days_until_due"] < 0  # plenty of time lowers the risk
    done = await _patch(client, board, soon["id"], status="done")
    assert done["risk"] is None
    reopened = await _patch(client, board, soon["id"], status="in_progress")
    assert reopened["risk"] is not None
    cleared = await _patch(client, board, soon["id"], due_at=None)
    assert cleared["risk"] is None
    assert (await new_task(client, board, due_at=_due(3), status="cancelled"))["risk"] is None


async def test_a_write_rescores_once_and_counts_reschedules(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, due_at=_due(10))
    assert "reschedules" not in _factors(task)
    moved = await _patch(client, board, task["id"], due_at=_due(12))
    assert moved["version"] == task["version"] + 1  # the score rides on the same write
    moved = await _patch(client, board, task["id"], due_at=_due(14))
    assert _factors(moved)["reschedules"] > 0
    assert moved["risk"]["score"] > task["risk"]["score"]
    assert (await _get(client, board, task["id"]))["risk"] == moved["risk"]
    assigned = await _patch(client, board, task["id"], assignee_id=board.member.id)
    assert "unassigned" not in _factors(assigned)
    assert _factors(moved)["unassigned"] > 0


async def test_dependencies_move_the_dependent_risk(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    blocker = await new_task(client, board, title="blocker", due_at=_due(-2))
    task = await new_task(client, board, title="blocked", due_at=_due(5))
    added = await client.post(
        f"/api/v1/tasks/{task['id']}/dependencies",
        json={"depends_on_id": blocker["id"]},
        headers=board.member.headers,
    )
    assert added.status_code == 201
    blocked = added.json()
    assert blocked["risk"]["score"] > task["risk"]["score"]
    assert {"open_dependencies", "blocked_by_overdue"} <= set(_factors(blocked))
    assert blocked["version"] == task["version"]  # derived data does not bump the version
    assert (await _get(client, board, task["id"]))["risk"] == blocked["risk"]
    # Finishing the blocker rescores its dependents in the same transaction.
    await _patch(client, board, blocker["id"], status="done")
    freed = await _get(client, board, task["id"])
    assert freed["risk"]["score"] == task["risk"]["score"]
    assert freed["version"] == task["version"]
    await _patch(client, board, blocker["id"], status="todo")
    assert (await _get(client, board, task["id"]))["risk"] == blocked["risk"]
    deleted = await client.delete(f"/api/v1/tasks/{blocker['id']}", headers=board.member.headers)
    assert deleted.status_code == 204
    assert (await _get(client, board, task["id"]))["risk"]["score"] == task["risk"]["score"]
    removed = await client.post(
        f"/api/v1/tasks/{task['id']}/dependencies",
        json={"depends_on_id": (await new_task(client, board, due_at=_due(1)))["id"]},
        headers=board.member.headers,
    )
    assert removed.json()["risk"]["score"] > task["risk"]["score"]
    other = removed.json()["depends_on"][0]
    gone = await client.delete(
        f"/api/v1/tasks/{task['id']}/dependencies/{other}", headers=board.member.headers
    )
    assert gone.status_code == 204
    assert (await _get(client, board, task["id"]))["risk"]["score"] == task["risk"]["score"]


async def test_the_risk_filter_on_both_lists(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    high = await new_task(client, board, due_at=_due(-3))
    low = await new_task(client, board, due_at=_due(60), priority="high")
    await new_task(client, board)
    assert high["risk"]["level"] == "high"
    assert low["risk"]["level"] == "low"
    for url in (
        f"/api/v1/projects/{board.project_id}/tasks",
        f"/api/v1/workspaces/{board.workspace_id}/tasks",
    ):
        h = board.viewer.headers
        assert [t["id"] for t in await walk(client, url, h, risk="high")] == [high["id"]]
        assert [t["id"] for t in await walk(client, url, h, risk="low", sort="due_at")] == [
            low["id"]
        ]
        both = await walk(client, url, h, risk=["low", "high"], limit=1)
        assert {t["id"] for t in both} == {high["id"], low["id"]}
        assert await walk(client, url, h, risk="medium") == []
        bad = await client.get(url, params={"risk": "extreme"}, headers=h)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["loc"][:2] == ["query", "risk"]


async def test_scoring_a_write_takes_at_most_three_queries(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    other = await new_task(client, board, assignee_id=board.member.id, due_at=_due(2))
    url = f"/api/v1/projects/{board.project_id}/tasks"

    async def selects(**fields: Any) -> int:
        with counting_queries(app) as statements:
            response = await client.post(
                url, json={"title": "t"} | fields, headers=board.member.headers
            )
            assert response.status_code == 201
        return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])

    plain = await selects()
    scored = await selects(due_at=_due(3), assignee_id=board.member.id)
    # assignee membership check (1, not risk's) + assignee history + model: at most 3 for risk.
    assert scored - plain <= 3, (plain, scored)
    assert other["risk"] is not None
