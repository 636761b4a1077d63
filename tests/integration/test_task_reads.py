"""The fast task reads (GET /tasks/{id}, project lists) answer exactly as the session paths do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event

from tests.support.tasks import Board, new_board, new_task, walk


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
    """The project list (fast) == the workspace list and full-text search (session path)."""
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
        {"risk": ["low"] * 4, "cursor": "c" * 1025, "sort": "s" * 21},
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


@contextmanager
def counting_all_statements(app: Any) -> Iterator[list[str]]:
    """Statements run through SQLAlchemy and, on PostgreSQL, straight on the driver."""
    statements: list[str] = []
    database = app.state.database

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    compile_ = database._compile  # the driver path compiles (from cache) every statement

    def counted(statement: Any) -> Any:
        found = compile_(statement)
        statements.append(found[0])
        return found

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    database._compile = counted
    try:
        yield statements
    finally:
        del database._compile
        event.remove(database.engine.sync_engine, "before_cursor_execute", before)


async def test_reads_run_a_fixed_number_of_statements(app: Any, client: httpx.AsyncClient) -> None:
    """Caller, task with membership, labels, dependencies; a page of 20 costs what 1 costs."""
    board = await new_board(client)
    first = await new_task(client, board, labels=["a"])
    url = f"/api/v1/projects/{board.project_id}/tasks"

    async def count(path: str, **params: Any) -> int:
        with counting_all_statements(app) as statements:
            response = await client.get(path, params=params, headers=board.viewer.headers)
            assert response.status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    assert await count(f"/api/v1/tasks/{first['id']}") == 4
    small = await count(url, limit=1)
    for i in range(20):
        task = await new_task(client, board, title=f"t{i}", labels=["a", f"l{i}"])
        await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": first["id"]},
            headers=board.member.headers,
        )
    assert small == await count(url, limit=20) == await count(url, limit=20, status="todo") == 5
