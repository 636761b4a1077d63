"""Task lists: every filter and sort, keyset pages, search, stability, a fixed query count."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.tasks import Board, counting_queries, new_board, new_task, walk


async def seeded(client: httpx.AsyncClient) -> tuple[Board, list[dict[str, Any]]]:
    """A board with varied tasks."""
    board = await new_board(client)
    specs = [
        {
            "title": "Login fails on Safari",
            "priority": "urgent",
            "labels": ["bug"],
            "due_at": "2026-12-03T00:00:00Z",
        },
        {
            "title": "Write onboarding docs",
            "description": "guide for new users",
            "priority": "low",
            "due_at": "2026-12-01T00:00:00Z",
        },
        {
            "title": "Refactor billing",
            "status": "in_progress",
            "priority": "medium",
            "assignee_id": board.member.id,
        },
        {
            "title": "Fix login redirect",
            "status": "done",
            "priority": "high",
            "labels": ["Bug", "auth"],
        },
        {"title": "Plan Q1", "priority": "none", "due_at": "2026-12-02T00:00:00Z"},
        {"title": "Cancelled idea", "status": "cancelled"},
    ]
    tasks = [await new_task(client, board, **spec) for spec in specs]
    return board, tasks


async def test_filters(client: httpx.AsyncClient) -> None:
    board, tasks = await seeded(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    h = board.viewer.headers

    async def keys(**params: Any) -> set[str]:
        return {t["key"] for t in await walk(client, url, h, **params)}

    assert await keys() == {t["key"] for t in tasks}
    assert await keys(status=["todo"]) == {"WEB-1", "WEB-2", "WEB-5"}
    assert await keys(status=["done", "cancelled"]) == {"WEB-4", "WEB-6"}
    assert await keys(priority=["urgent", "high"]) == {"WEB-1", "WEB-4"}
    assert await keys(assignee_id=board.member.id) == {"WEB-3"}
    assert await keys(label="BUG") == {"WEB-1", "WEB-4"}
    assert await keys(label="nothing") == set()
    assert await keys(due_before="2026-12-02T12:00:00Z") == {"WEB-2", "WEB-5"}
    assert await keys(due_after="2026-12-01T12:00:00Z") == {"WEB-1", "WEB-5"}
    assert await keys(q="login") == {"WEB-1", "WEB-4"}
    assert await keys(q="new users") == {"WEB-2"}
    assert await keys(q="login", status=["todo"]) == {"WEB-1"}
    workspace_wide = await walk(
        client, f"/api/v1/workspaces/{board.workspace_id}/tasks", h, label="bug"
    )
    assert {t["key"] for t in workspace_wide} == {"WEB-1", "WEB-4"}


async def test_sorts_and_pages(client: httpx.AsyncClient) -> None:
    board, tasks = await seeded(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    h = board.viewer.headers
    newest_first = [t["key"] for t in await walk(client, url, h, limit=2)]
    assert newest_first == [t["key"] for t in reversed(tasks)]
    oldest_first = [t["key"] for t in await walk(client, url, h, limit=4, sort="created_at")]
    assert oldest_first == [t["key"] for t in tasks]
    by_priority = [t["priority"] for t in await walk(client, url, h, limit=2, sort="-priority")]
    assert by_priority == ["urgent", "high", "medium", "low", "none", "none"]
    by_due = [t["key"] for t in await walk(client, url, h, limit=1, sort="due_at")]
    assert by_due[:3] == ["WEB-2", "WEB-5", "WEB-1"]
    assert sorted(by_due[3:]) == ["WEB-3", "WEB-4", "WEB-6"]  # no due date: last
    by_due_desc = [t["key"] for t in await walk(client, url, h, limit=2, sort="-due_at")]
    assert by_due_desc[:3] == ["WEB-1", "WEB-5", "WEB-2"]
    updated = [t["key"] for t in await walk(client, url, h, limit=5, sort="-updated_at")]
    assert sorted(updated) == sorted(t["key"] for t in tasks)


async def test_bad_list_parameters_are_422(client: httpx.AsyncClient) -> None:
    board, _ = await seeded(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    h = board.viewer.headers
    first = await client.get(url, params={"limit": 2}, headers=h)
    cursor = first.json()["next_cursor"]
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"sort": "title"},
        {"sort": "--created_at"},
        {"status": "blocked"},
        {"priority": "x"},
        {"due_before": "tomorrow"},
        {"due_before": "0.5"},  # pydantic alone reads seconds since 1970 (Schemathesis)
        {"due_after": "1796016000"},
        {"due_after": "2026-12-01"},
        {"cursor": "garbage"},
        {"cursor": cursor, "sort": "priority"},
        {"q": "x" * 201},
    ):
        response = await client.get(url, params=params, headers=h)
        assert response.status_code == 422, params


async def test_search_ranks_by_relevance(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await new_task(client, board, title="Database backup", description="nightly")
    best = await new_task(
        client, board, title="Database migration", description="database schema database"
    )
    await new_task(client, board, title="Unrelated")
    found = await walk(
        client,
        f"/api/v1/projects/{board.project_id}/tasks",
        board.viewer.headers,
        q="database",
        limit=1,
    )
    assert found[0]["title"] == best["title"]
    assert len(found) == 2
    hostile = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks",
        params={"q": 'data" OR title:* NEAR('},
        headers=board.viewer.headers,
    )
    assert hostile.status_code == 200


async def test_walking_pages_while_others_insert_never_skips_or_repeats(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    original = [await new_task(client, board, title=f"t{i}") for i in range(12)]
    url = f"/api/v1/projects/{board.project_id}/tasks"
    for sort in ("-created_at", "created_at", "priority", "-due_at"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 3, "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(url, params=params, headers=board.viewer.headers)).json()
            seen += [t["id"] for t in page["items"]]
            await new_task(client, board, title="inserted meanwhile")
            cursor = page["next_cursor"]
            if cursor is None:
                break
        originals = [i for i in seen if i in {t["id"] for t in original}]
        assert len(originals) == len(set(originals)) == 12, sort
        assert len(seen) == len(set(seen)), sort


async def test_list_runs_a_fixed_number_of_queries(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    first = await new_task(client, board, labels=["a", "b"])
    url = f"/api/v1/projects/{board.project_id}/tasks"

    async def queries_for(limit: int) -> int:
        with counting_queries(app) as statements:
            response = await client.get(url, params={"limit": limit}, headers=board.viewer.headers)
            assert response.status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])

    small = await queries_for(2)
    for i in range(15):
        task = await new_task(client, board, title=f"t{i}", labels=["a", f"l{i}"])
        await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": first["id"]},
            headers=board.member.headers,
        )
    large = await queries_for(20)
    assert large == small, (small, large)


async def test_concurrent_inserts_and_reads_agree(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await asyncio.gather(*(new_task(client, board, title=f"c{i}") for i in range(10)))
    items = await walk(
        client, f"/api/v1/projects/{board.project_id}/tasks", board.viewer.headers, limit=4
    )
    assert sorted(t["number"] for t in items) == list(range(1, 11))


async def test_a_blank_search_is_no_search(client: httpx.AsyncClient) -> None:
    """q of whitespace only lists every task newest first (it was a 500; Schemathesis)."""
    board = await new_board(client)
    first = await new_task(client, board, title="First")
    second = await new_task(client, board, title="Second")
    for path in (
        f"/api/v1/projects/{board.project_id}/tasks",
        f"/api/v1/workspaces/{board.workspace_id}/tasks",
    ):
        response = await client.get(
            path, params={"q": "\n ", "risk": "medium"}, headers=board.viewer.headers
        )
        assert response.status_code == 200, response.text
        listed = await client.get(path, params={"q": " "}, headers=board.viewer.headers)
        assert [task["id"] for task in listed.json()["items"]] == [second["id"], first["id"]]
