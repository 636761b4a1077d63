"""Tasks (docs/api.md): fields, numbering, labels, subtasks, dependencies, concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.tasks import new_board, new_task
from tests.support.workspaces import new_workspace


async def test_create_with_every_field(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(
        client,
        board,
        title=" Fix login ",
        description="Users cannot sign in.",
        status="in_progress",
        priority="high",
        assignee_id=board.member.id,
        labels=["Bug", "bug", "UI"],
        due_at="2026-12-01T10:00:00Z",
        estimate_minutes=90,
    )
    assert task["key"] == "WEB-1"
    assert task["number"] == 1
    assert task["title"] == "Fix login"
    assert task["status"] == "in_progress"
    assert task["priority"] == "high"
    assert task["labels"] == ["Bug", "UI"]
    assert task["reporter_id"] == board.member.id
    assert task["assignee_id"] == board.member.id
    assert task["due_at"] == "2026-12-01T10:00:00Z"
    assert task["depends_on"] == []
    assert task["completed_at"] is None
    assert task["version"] == 1
    assert task["workspace_id"] == board.workspace_id
    defaults = await new_task(client, board)
    assert (defaults["status"], defaults["priority"], defaults["labels"]) == ("todo", "none", [])
    assert defaults["key"] == "WEB-2"


async def test_invalid_tasks_are_refused_and_write_nothing(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    outsider_ws = await new_workspace(client, board.owner, "Other")
    bad_bodies: list[dict[str, Any]] = [
        {},
        {"title": ""},
        {"title": "x" * 501},
        {"title": "x", "description": "d" * 50_001},
        {"title": "x", "status": "blocked"},
        {"title": "x", "priority": "critical"},
        {"title": "x", "due_at": "2026-12-01T10:00:00"},
        {"title": "x", "due_at": "0.5"},  # not seconds since 1970: RFC 3339 only
        {"title": "x", "due_at": "2026-12-01"},
        # Outside 1970..9998: a repetition or a time zone would run off the calendar.
        {"title": "x", "due_at": "0001-01-01T00:00:00Z"},
        {"title": "x", "due_at": "9999-12-31T23:59:59Z", "recurrence": {"rrule": "FREQ=DAILY"}},
        {"title": "x", "due_at": "1969-12-31T23:59:59Z"},
        {"title": "x", "estimate_minutes": -1},
        {"title": "x", "number": 7},
        {"title": "x", "labels": ["ok"] * 21},
        {"title": "x\u0000"},
        {"title": "x", "assignee_id": board.owner.id + "0"},
        {"title": "x", "parent_id": outsider_ws},
    ]
    for body in bad_bodies:
        response = await client.post(url, json=body, headers=board.member.headers)
        assert response.status_code == 422, (body, response.text)
    listed = await client.get(url, headers=board.member.headers)
    assert listed.json()["items"] == []
    first = await new_task(client, board)
    assert first["number"] == 1  # refused creations did not consume numbers


async def test_viewers_read_members_write(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    refused = await client.post(url, json={"title": "x"}, headers=board.viewer.headers)
    assert refused.status_code == 403
    task = await new_task(client, board)
    assert (
        await client.get(f"/api/v1/tasks/{task['id']}", headers=board.viewer.headers)
    ).status_code == 200
    patch = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "y"}, headers=board.viewer.headers
    )
    assert patch.status_code == 403


async def test_twenty_concurrent_creations_number_one_to_twenty(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    results = await asyncio.gather(
        *(
            client.post(url, json={"title": f"t{i}"}, headers=board.member.headers)
            for i in range(20)
        )
    )
    assert all(r.status_code == 201 for r in results), [
        r.text for r in results if r.status_code != 201
    ]
    assert sorted(r.json()["number"] for r in results) == list(range(1, 21))


async def test_numbers_are_never_reused(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    first = await new_task(client, board)
    second = await new_task(client, board)
    for task in (first, second):
        assert (
            await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
        ).status_code == 204
    assert (await new_task(client, board))["key"] == "WEB-3"


async def test_read_by_id_and_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Keyed")
    one = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.viewer.headers)
    assert one.json() == task
    assert one.headers["etag"] == '"1"'
    by_key = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/tasks/by-key/WEB-1", headers=board.viewer.headers
    )
    assert by_key.json()["id"] == task["id"]
    for missing in ("WEB-2", "NOPE-1", "web-1", "WEB-0", "WEB-x"):
        response = await client.get(
            f"/api/v1/workspaces/{board.workspace_id}/tasks/by-key/{missing}",
            headers=board.viewer.headers,
        )
        assert response.status_code == 404, missing


async def test_partial_update_completion_and_etags(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, description="keep me", labels=["a"])
    url = f"/api/v1/tasks/{task['id']}"
    headers = board.member.headers
    done = await client.patch(url, json={"status": "done"}, headers=headers | {"If-Match": '"1"'})
    assert done.status_code == 200
    body = done.json()
    assert body["completed_at"] is not None
    assert body["description"] == "keep me"
    assert body["labels"] == ["a"]
    assert done.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"title": "lost"}, headers=headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(url, headers=headers)).json()["title"] == "A task"
    reopened = await client.patch(url, json={"status": "todo", "due_at": None}, headers=headers)
    assert reopened.json()["completed_at"] is None
    relabelled = await client.patch(url, json={"labels": ["B", "c"]}, headers=headers)
    assert relabelled.json()["labels"] == ["B", "c"]
    assert relabelled.headers["etag"] == '"4"'
    for bad in ({"title": None}, {"status": None}, {"version": 9}, {"priority": "x"}):
        assert (await client.patch(url, json=bad, headers=headers)).status_code == 422, bad


async def test_concurrent_patches_never_lose_a_write_silently(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    url = f"/api/v1/tasks/{task['id']}"
    results = await asyncio.gather(
        client.patch(url, json={"title": "first"}, headers=board.member.headers),
        client.patch(url, json={"description": "second"}, headers=board.member.headers),
    )
    statuses = sorted(r.status_code for r in results)
    final = (await client.get(url, headers=board.member.headers)).json()
    if statuses == [200, 200]:
        assert (final["title"], final["description"]) == ("first", "second")
        assert final["version"] == 3
    else:
        assert statuses == [200, 409]


async def test_subtasks_stay_in_their_project_without_cycles(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    parent = await new_task(client, board, title="parent")
    child = await new_task(client, board, title="child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    cycle = await client.patch(
        f"/api/v1/tasks/{parent['id']}",
        json={"parent_id": child["id"]},
        headers=board.member.headers,
    )
    assert cycle.status_code == 422
    self_parent = await client.patch(
        f"/api/v1/tasks/{parent['id']}",
        json={"parent_id": parent["id"]},
        headers=board.member.headers,
    )
    assert self_parent.status_code == 422
    other = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Ops", "key": "OPS"},
        headers=board.owner.headers,
    )
    elsewhere = await client.post(
        f"/api/v1/projects/{other.json()['id']}/tasks",
        json={"title": "x", "parent_id": parent["id"]},
        headers=board.member.headers,
    )
    assert elsewhere.status_code == 422
    assert (
        await client.delete(f"/api/v1/tasks/{parent['id']}", headers=board.member.headers)
    ).status_code == 204
    assert (
        await client.get(f"/api/v1/tasks/{child['id']}", headers=board.member.headers)
    ).status_code == 404


async def test_dependencies(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    a = await new_task(client, board, title="a")
    b = await new_task(client, board, title="b")
    c = await new_task(client, board, title="c")
    headers = board.member.headers

    async def depend(task: dict[str, Any], on: dict[str, Any] | str) -> httpx.Response:
        target = on if isinstance(on, str) else on["id"]
        return await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": target},
            headers=headers,
        )

    added = await depend(a, b)
    assert added.status_code == 201
    assert added.json()["depends_on"] == [b["id"]]
    assert (await depend(b, c)).status_code == 201
    assert (await depend(c, a)).status_code == 422  # a -> b -> c -> a
    assert (await depend(a, a)).status_code == 422
    foreign_board = await new_board(client)
    foreign = await new_task(client, foreign_board)
    assert (await depend(a, foreign)).status_code == 422
    assert (await depend(a, "no-such-task")).status_code == 422
    assert (await client.get(f"/api/v1/tasks/{a['id']}", headers=headers)).json()["depends_on"] == [
        b["id"]
    ]
    removed = await client.delete(
        f"/api/v1/tasks/{a['id']}/dependencies/{b['id']}", headers=headers
    )
    assert removed.status_code == 204
    again = await client.delete(f"/api/v1/tasks/{a['id']}/dependencies/{b['id']}", headers=headers)
    assert again.status_code == 404
    assert (await depend(c, a)).status_code == 201  # no cycle any more


async def test_labels_are_workspace_scoped_and_case_insensitive(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await new_task(client, board, labels=["Backend"])
    second = await new_task(client, board, labels=["BACKEND", "api"])
    assert second["labels"] == ["api", "Backend"]  # the label keeps its first spelling
    trail = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/activity",
        params={"limit": 100},
        headers=board.owner.headers,
    )
    created_labels = [e for e in trail.json()["items"] if e["entity_type"] == "label"]
    names = [e["changes"]["name"]["new"] for e in created_labels]
    assert sorted(names, key=str.casefold) == ["api", "Backend"]


async def test_null_labels_clear_them(client: httpx.AsyncClient) -> None:
    """PATCH {"labels": null} empties the labels, like [] (it was a 500; Schemathesis)."""
    board = await new_board(client)
    task = await new_task(client, board, labels=["Bug"])
    url = f"/api/v1/tasks/{task['id']}"
    response = await client.patch(url, json={"labels": None}, headers=board.member.headers)
    assert response.status_code == 200, response.text
    assert response.json()["labels"] == []
    assert (await client.get(url, headers=board.member.headers)).json()["labels"] == []


async def test_concurrent_label_changes_are_200_or_409(client: httpx.AsyncClient) -> None:
    """Writers racing to replace one task's labels: each wins or is told 409, never a 500
    (a unique violation on task_label under PostgreSQL; Schemathesis' full run)."""
    board = await new_board(client)
    task = await new_task(client, board)
    url = f"/api/v1/tasks/{task['id']}"
    bodies = [{"labels": ["a", "b"]}, {"labels": ["a", "b"]}, {"labels": None}] * 4
    answers: list[httpx.Response] = []
    for _ in range(5):
        answers += await asyncio.gather(
            *(client.patch(url, json=body, headers=board.member.headers) for body in bodies)
        )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 409}, [a.text for a in answers if a.status_code >= 500]
    assert 200 in statuses
