"""The fast read path of tasks (GET /tasks/{id}, project lists) answers as the session path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.tasks import Board, counting_all_statements, new_board, new_task, walk


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _varied(client: httpx.AsyncClient, board: Board) -> list[dict[str, Any]]:
    """Tasks with every kind of value: labels, dependencies, risk, due dates, completion."""
    first = await new_task(client, board, title="Plain")
    tasks = [
        first,
        await new_task(
            client,
            board,
            title="Risky \u00ab\u00fcn\u00efcode\u00bb",
            description="x" * 300,
            priority="urgent",
            labels=["Bug", "api", "Zeta"],
            due_at=_due(0.5),
            estimate_minutes=2400,
            assignee_id=board.member.id,
        ),
        await new_task(client, board, title="Done", status="done", priority="low"),
        await new_task(client, board, title="Later", due_at=_due(40), labels=["api"]),
    ]
    for task in tasks[1:3]:
        response = await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": first["id"]},
            headers=board.member.headers,
        )
        assert response.status_code == 201, response.text
    return tasks


async def test_get_task_equals_the_validated_session_answers(client: httpx.AsyncClient) -> None:
    """GET /tasks/{id} (fast) == by-key GET and PATCH (response-model validated), ETag too."""
    board = await new_board(client)
    tasks = await _varied(client, board)
    assert any(task["risk"] for task in tasks)
    for task in tasks:
        fast = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.viewer.headers)
        by_key = await client.get(
            f"/api/v1/workspaces/{board.workspace_id}/tasks/by-key/{fast.json()['key']}",
            headers=board.viewer.headers,
        )
        assert fast.status_code == by_key.status_code == 200
        assert fast.headers["content-type"] == by_key.headers["content-type"]
        assert fast.headers["etag"] == by_key.headers["etag"] == f'"{fast.json()["version"]}"'
        assert list(fast.json()) == list(by_key.json())
        assert fast.json() == by_key.json()
        patched = await client.patch(
            f"/api/v1/tasks/{task['id']}", json={}, headers=board.member.headers
        )
        assert patched.json() == fast.json()
    dependent = await client.get(f"/api/v1/tasks/{tasks[1]['id']}", headers=board.viewer.headers)
    assert dependent.json()["depends_on"] == [tasks[0]["id"]]
    assert dependent.json()["labels"] == ["api", "Bug", "Zeta"]
    assert dependent.json()["created_at"].endswith("Z")


async def test_get_task_refuses_outsiders_and_unknown_ids_alike(client: httpx.AsyncClient) -> None:
    """A foreign workspace's task reads like a missing one; no token is a 401."""
    board, other = await new_board(client), await new_board(client)
    task = await new_task(client, board)
    foreign = await client.get(f"/api/v1/tasks/{task['id']}", headers=other.owner.headers)
    missing = await client.get("/api/v1/tasks/nope", headers=board.owner.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]
    assert foreign.headers["content-type"] == "application/problem+json"
    anonymous = await client.get(f"/api/v1/tasks/{task['id']}")
    assert anonymous.status_code == 401
    too_long = await client.get("/api/v1/tasks/" + "x" * 65, headers=board.owner.headers)
    assert too_long.status_code == 422


async def test_project_list_equals_the_session_path(client: httpx.AsyncClient) -> None:
    """The project list (fast read path) == the workspace list and search (session path)."""
    board = await new_board(client)
    tasks = await _varied(client, board)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    ws_url = f"/api/v1/workspaces/{board.workspace_id}/tasks"
    for params in (
        {},
        {"limit": 2},
        {"status": ["todo", "done"], "sort": "priority"},
        {"sort": "due_at", "limit": 1},
        {"sort": "-due_at", "limit": 3},
        {"label": "API", "sort": "updated_at"},
        {"priority": ["urgent", "low"], "assignee_id": board.member.id},
        {"risk": ["low", "medium", "high"], "due_before": _due(100), "due_after": _due(-1)},
    ):
        fast = await walk(client, url, board.viewer.headers, **params)
        slow = await walk(client, ws_url, board.viewer.headers, **params)
        assert fast == slow, params
    everything = await walk(client, url, board.viewer.headers)
    assert sorted(t["id"] for t in everything) == sorted(t["id"] for t in tasks)
    assert await walk(client, url, board.viewer.headers, assignee_id="") == everything
    searched = await client.get(url, params={"q": "Risky"}, headers=board.viewer.headers)
    assert searched.status_code == 200
    assert searched.json()["items"] == [t for t in everything if t["title"].startswith("Risky")]
    first = await client.get(url, params={"limit": 2}, headers=board.viewer.headers)
    slow_first = await client.get(ws_url, params={"limit": 2}, headers=board.viewer.headers)
    assert first.json()["next_cursor"] == slow_first.json()["next_cursor"] is not None


async def test_project_list_errors_keep_their_order(client: httpx.AsyncClient) -> None:
    """401 before 422 before 404 (parameters), 404 before the sort and cursor checks."""
    board, other = await new_board(client), await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    assert (await client.get(url, params={"status": "nope"})).status_code == 401
    # Validated as FastAPI validates the workspace list (not a hot route): the same errors.
    ws_url = f"/api/v1/workspaces/{other.workspace_id}/tasks"
    for params in (
        {"status": "nope", "limit": 0},
        {"priority": ["low", "x"], "due_before": "yesterday", "label": ""},
        {"risk": ["low"] * 4, "cursor": "c" * 1025, "sort": "s" * 51},
    ):
        bad = await client.get(url, params=params, headers=other.owner.headers)
        expected = await client.get(ws_url, params=params, headers=other.owner.headers)
        assert bad.status_code == expected.status_code == 422
        assert bad.json()["errors"] == expected.json()["errors"]
    assert {e["loc"][1] for e in bad.json()["errors"]} == {"risk", "cursor", "sort"}
    too_many = await client.get(url, params={"status": ["todo"] * 5}, headers=board.viewer.headers)
    assert too_many.status_code == 422
    foreign = await client.get(url, params={"sort": "nope"}, headers=other.owner.headers)
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == "There is no such project."
    unknown = await client.get(
        "/api/v1/projects/nope/tasks", params={"cursor": "zz"}, headers=board.owner.headers
    )
    assert unknown.json()["detail"] == foreign.json()["detail"]
    sort = await client.get(url, params={"sort": "nope"}, headers=board.viewer.headers)
    assert sort.status_code == 422
    cursor = await client.get(url, params={"cursor": "zz"}, headers=board.viewer.headers)
    assert cursor.status_code == 422


def _is_caller_lookup(statement: str) -> bool:
    return "FROM user_account" in statement


async def test_a_read_is_one_statement(app: Any, client: httpx.AsyncClient) -> None:
    """The caller lookup, then ONE statement: a task, a page of 1 or 20 or none, a 404 alike."""
    board, other = await new_board(client), await new_board(client)
    first = await new_task(client, board, labels=["a"])
    url = f"/api/v1/projects/{board.project_id}/tasks"

    async def count(path: str, expect: int = 200, headers: Any = None, **params: Any) -> int:
        with counting_all_statements(app) as statements:
            response = await client.get(
                path, params=params, headers=headers or board.viewer.headers
            )
            assert response.status_code == expect, response.text
        # SQLite's BEGIN of the read transaction is no statement of the answer's.
        statements = [s for s in statements if not s.startswith("BEGIN")]
        assert _is_caller_lookup(statements[0]), statements  # not cached in these tests
        assert not any(_is_caller_lookup(s) for s in statements[1:]), statements
        return len(statements) - 1

    assert await count(f"/api/v1/tasks/{first['id']}") == 1
    assert await count(f"/api/v1/tasks/{first['id']}", 404, other.owner.headers) == 1
    assert await count(url, limit=1) == 1
    for i in range(20):
        task = await new_task(client, board, title=f"t{i}", labels=["a", f"l{i}"])
        await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": first["id"]},
            headers=board.member.headers,
        )
    assert await count(url, limit=20) == await count(url, limit=20, status="todo") == 1
    assert await count(url, sort="due_at", label="a", priority=["none", "high"], limit=3) == 1
    assert await count(url, 404, other.owner.headers) == 1
    empty = f"/api/v1/projects/{other.project_id}/tasks"
    assert await count(empty, headers=other.owner.headers) == 1
