"""Bulk edit: one change for up to 100 tasks, all or nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.accounts import app_of
from tests.support.tasks import Board, counting_queries, new_board, new_task


async def _titles_and_status(
    client: httpx.AsyncClient, board: Board, ids: list[str]
) -> list[tuple[str, str]]:
    found = []
    for task_id in ids:
        body = (await client.get(f"/api/v1/tasks/{task_id}", headers=board.member.headers)).json()
        found.append((body["status"], body["priority"]))
    return found


async def test_bulk_edit_changes_every_task_with_one_entry_each(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    ids = [(await new_task(client, board, title=f"t{n}"))["id"] for n in range(3)]
    answer = await client.post(
        "/api/v1/tasks/bulk",
        json={
            "task_ids": ids,
            "changes": {"status": "in_progress", "priority": "high", "labels": ["q4"]},
        },
        headers=board.member.headers,
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["id"] for i in items] == ids
    assert {(i["status"], i["priority"], tuple(i["labels"])) for i in items} == {
        ("in_progress", "high", ("q4",))
    }
    for task_id in ids:
        trail = await client.get(f"/api/v1/tasks/{task_id}/activity", headers=board.member.headers)
        updates = [e for e in trail.json()["items"] if e["action"] == "updated"]
        assert len(updates) == 1
        assert updates[0]["changes"]["status"] == {"old": "todo", "new": "in_progress"}


async def test_one_foreign_or_missing_task_changes_nothing(client: httpx.AsyncClient) -> None:
    board, other = await new_board(client), await new_board(client)
    ids = [(await new_task(client, board))["id"] for _ in range(2)]
    foreign = (await new_task(client, other))["id"]
    for stranger in (foreign, "no-such-task"):
        refused = await client.post(
            "/api/v1/tasks/bulk",
            json={"task_ids": [*ids, stranger], "changes": {"status": "done"}},
            headers=board.member.headers,
        )
        assert refused.status_code == 404, refused.text
        assert refused.json()["detail"] == "There is no such task."
    assert await _titles_and_status(client, board, ids) == [("todo", "none")] * 2
    viewer = await client.post(
        "/api/v1/tasks/bulk",
        json={"task_ids": ids, "changes": {"status": "done"}},
        headers=board.viewer.headers,
    )
    assert viewer.status_code == 403
    # An invalid change for one task refuses them all (the last one cannot be its own parent).
    invalid = await client.post(
        "/api/v1/tasks/bulk",
        json={"task_ids": ids, "changes": {"status": "done", "parent_id": ids[1]}},
        headers=board.member.headers,
    )
    assert invalid.status_code == 422, invalid.text
    assert invalid.json()["errors"][0]["loc"] == ["body", "changes", "parent_id"]
    assert ids[1] in invalid.json()["detail"]
    assert await _titles_and_status(client, board, ids) == [("todo", "none")] * 2
    for task_id in ids:
        trail = await client.get(f"/api/v1/tasks/{task_id}/activity", headers=board.member.headers)
        assert [e["action"] for e in trail.json()["items"]] == ["created"]


async def test_bulk_bodies_are_checked(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = (await new_task(client, board))["id"]
    bad: list[dict[str, Any]] = [
        {"task_ids": [f"id-{n}" for n in range(101)], "changes": {"status": "done"}},
        {"task_ids": [task, task], "changes": {"status": "done"}},
        {"task_ids": [], "changes": {"status": "done"}},
        {"task_ids": [task], "changes": {"role": "owner"}},
        {"task_ids": [task], "changes": {"title": "a\u0000b"}},
        {"task_ids": [task], "changes": {"status": "done"}, "extra": 1},
    ]
    for body in bad:
        refused = await client.post("/api/v1/tasks/bulk", json=body, headers=board.member.headers)
        assert refused.status_code == 422, (body, refused.text)
    for body in ({"task_ids": [task, task]}, {"task_ids": [f"x{n}" for n in range(101)]}):
        refused = await client.post(
            "/api/v1/tasks/bulk-delete", json=body, headers=board.member.headers
        )
        assert refused.status_code == 422, refused.text


async def test_bulk_edit_replays_with_an_idempotency_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = (await new_task(client, board))["id"]
    headers = board.member.headers | {"Idempotency-Key": "bulk-1"}
    body = {"task_ids": [task], "changes": {"title": "renamed"}}
    first = await client.post("/api/v1/tasks/bulk", json=body, headers=headers)
    second = await client.post("/api/v1/tasks/bulk", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
    trail = await client.get(f"/api/v1/tasks/{task}/activity", headers=board.member.headers)
    assert [e["action"] for e in trail.json()["items"]] == ["updated", "created"]


async def test_bulk_delete_moves_tasks_to_the_trash_all_or_nothing(
    client: httpx.AsyncClient,
) -> None:
    board, other = await new_board(client), await new_board(client)
    parent = await new_task(client, board, title="parent")
    child = await new_task(client, board, title="child", parent_id=parent["id"])
    lone = await new_task(client, board, title="lone")
    foreign = await new_task(client, other)
    refused = await client.post(
        "/api/v1/tasks/bulk-delete",
        json={"task_ids": [parent["id"], foreign["id"]]},
        headers=board.member.headers,
    )
    assert refused.status_code == 404
    trash_url = f"/api/v1/workspaces/{board.workspace_id}/trash"
    assert (await client.get(trash_url, headers=board.member.headers)).json()["items"] == []
    done = await client.post(
        "/api/v1/tasks/bulk-delete",
        json={"task_ids": [child["id"], parent["id"], lone["id"]]},
        headers=board.member.headers,
    )
    assert done.status_code == 204, done.text
    trash = (await client.get(trash_url, headers=board.member.headers)).json()["items"]
    # The child goes with its parent: restoring the parent brings it back.
    assert {i["id"] for i in trash} == {parent["id"], lone["id"]}
    for task in (parent, child, lone):
        gone = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
        assert gone.status_code == 404
    back = await client.post(f"/api/v1/tasks/{parent['id']}/restore", headers=board.member.headers)
    assert back.status_code == 200
    again = await client.get(f"/api/v1/tasks/{child['id']}", headers=board.member.headers)
    assert again.json()["parent_id"] == parent["id"]


async def test_bulk_edit_loads_the_tasks_in_one_query(client: httpx.AsyncClient) -> None:
    """However many tasks, they are read by id in a fixed number of statements."""
    board = await new_board(client)
    ids = [(await new_task(client, board, title=f"t{n}"))["id"] for n in range(12)]

    async def task_reads(task_ids: list[str], title: str) -> int:
        with counting_queries(app_of(client)) as statements:
            answer = await client.post(
                "/api/v1/tasks/bulk",
                json={"task_ids": task_ids, "changes": {"title": title}},
                headers=board.member.headers,
            )
        assert answer.status_code == 200, answer.text
        return sum(
            1 for s in statements if "FROM task JOIN project ON project.id = task.project_id" in s
        )

    few, many = await task_reads(ids[:2], "few"), await task_reads(ids, "many")
    # The load and the keys after (a title change tells nobody: notifications read nothing).
    assert few == many == 2
