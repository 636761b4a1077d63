"""Workflow states: the API and its refusals, and a task's status kept in step with its state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from smarttask.tasks import state_removal
from tests.support.tasks import Board, new_board, new_task, walk


async def _states(client: httpx.AsyncClient, board: Board) -> list[dict[str, Any]]:
    found = await client.get(
        f"/api/v1/projects/{board.project_id}/states", headers=board.viewer.headers
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def _add(client: httpx.AsyncClient, board: Board, **body: Any) -> httpx.Response:
    return await client.post(
        f"/api/v1/projects/{board.project_id}/states", json=body, headers=board.owner.headers
    )


async def test_a_new_project_has_one_state_per_category_and_admins_manage_them(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    states = await _states(client, board)
    assert [(s["name"], s["category"], s["position"]) for s in states] == [
        ("To do", "todo", 0),
        ("In progress", "in_progress", 1),
        ("Done", "done", 2),
        ("Cancelled", "cancelled", 3),
    ]
    review = await _add(client, board, name="Review", category="in_progress", position=2)
    assert review.status_code == 201, review.text
    assert review.headers["ETag"] == '"1"'
    assert [s["name"] for s in await _states(client, board)] == [
        "To do", "In progress", "Review", "Done", "Cancelled"
    ]  # fmt: skip
    # Paging: keyset over (position, id).
    first = await client.get(
        f"/api/v1/projects/{board.project_id}/states",
        params={"limit": 2},
        headers=board.viewer.headers,
    )
    rest = await client.get(
        f"/api/v1/projects/{board.project_id}/states",
        params={"limit": 10, "cursor": first.json()["next_cursor"]},
        headers=board.viewer.headers,
    )
    assert [s["name"] for s in first.json()["items"] + rest.json()["items"]] == [
        "To do", "In progress", "Review", "Done", "Cancelled"
    ]  # fmt: skip
    assert rest.json()["next_cursor"] is None

    # Refusals: same name in another case 409, bad colour or category 422, unknown field 422,
    # a member 403, someone of another workspace 404.
    assert (await _add(client, board, name="review", category="todo")).status_code == 409
    assert (await _add(client, board, name="X", category="todo", color="red")).status_code == 422
    assert (await _add(client, board, name="X", category="later")).status_code == 422
    assert (await _add(client, board, name="X", category="todo", role="x")).status_code == 422
    assert (await _add(client, board, name="X\x00", category="todo")).status_code == 422
    assert (await _add(client, board, name="", category="todo")).status_code == 422
    member = await client.post(
        f"/api/v1/projects/{board.project_id}/states",
        json={"name": "Mine", "category": "todo"},
        headers=board.member.headers,
    )
    assert member.status_code == 403
    stranger = (await new_board(client)).owner
    for response in (
        await client.get(f"/api/v1/projects/{board.project_id}/states", headers=stranger.headers),
        await client.get(f"/api/v1/states/{review.json()['id']}", headers=stranger.headers),
        await client.patch(
            f"/api/v1/states/{review.json()['id']}", json={"name": "Y"}, headers=stranger.headers
        ),
    ):
        assert response.status_code == 404, response.text

    # Rename, recolour, reorder with If-Match; a stale one is 412 and changes nothing.
    state_id = review.json()["id"]
    renamed = await client.patch(
        f"/api/v1/states/{state_id}",
        json={"name": "Code review", "color": "#AABBCC", "position": 0},
        headers=board.owner.headers | {"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["color"]) == ("Code review", "#aabbcc")
    assert [s["name"] for s in await _states(client, board)][:2] == ["Code review", "To do"]
    assert [s["position"] for s in await _states(client, board)] == [0, 1, 2, 3, 4]
    stale = await client.patch(
        f"/api/v1/states/{state_id}",
        json={"name": "Stale"},
        headers=board.owner.headers | {"If-Match": '"1"'},
    )
    assert stale.status_code == 412
    trail = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    entries = [e for e in trail.json()["items"] if e["entity_type"] == "workflow_state"]
    assert [e["action"] for e in entries][:2] == ["updated", "created"]
    assert entries[0]["changes"]["name"] == {"old": "Review", "new": "Code review"}


async def test_deleting_a_state_moves_its_tasks_and_keeps_one_per_category(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    states = {s["name"]: s for s in await _states(client, board)}
    review = (await _add(client, board, name="Review", category="in_progress")).json()
    task = await new_task(client, board, state_id=review["id"])
    assert task["status"] == "in_progress"
    url = f"/api/v1/states/{review['id']}"
    headers = board.owner.headers
    assert (await client.delete(url, headers=headers)).status_code == 422  # tasks use it
    other = await new_board(client)
    elsewhere = (await _states(client, other))[0]["id"]
    wrong = await client.delete(url, params={"move_to": elsewhere}, headers=headers)
    assert wrong.status_code == 422  # a state of another project
    itself = await client.delete(url, params={"move_to": review["id"]}, headers=headers)
    assert itself.status_code == 422
    assert (
        await client.delete(url, params={"move_to": "nope"}, headers=headers)
    ).status_code == 422
    member = await client.delete(
        url, params={"move_to": states["In progress"]["id"]}, headers=board.member.headers
    )
    assert member.status_code == 403
    gone = await client.delete(
        url, params={"move_to": states["In progress"]["id"]}, headers=headers | {"If-Match": '"1"'}
    )
    assert gone.status_code == 204, gone.text
    moved = (await client.get(f"/api/v1/tasks/{task['id']}", headers=headers)).json()
    assert moved["state"] == {
        "id": states["In progress"]["id"],
        "name": "In progress",
        "category": "in_progress",
    }
    assert [s["position"] for s in await _states(client, board)] == [0, 1, 2, 3]
    last = await client.delete(f"/api/v1/states/{states['Done']['id']}", headers=headers)
    assert last.status_code == 409  # the last state of its category
    assert len(await _states(client, board)) == 4


async def test_tasks_moved_to_another_category_follow_the_task_rules(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    states = {s["name"]: s for s in await _states(client, board)}
    backlog = (await _add(client, board, name="Backlog", category="todo", position=0)).json()
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    weekly = {"rrule": "FREQ=WEEKLY", "from": "due"}
    first = await new_task(client, board, title="Write", state_id=backlog["id"])
    repeating = await new_task(
        client, board, title="Report", state_id=backlog["id"], due_at=due, recurrence=weekly
    )
    done_before = await new_task(client, board, title="Old", status="done")
    headers = board.owner.headers

    gone = await client.delete(
        f"/api/v1/states/{backlog['id']}", params={"move_to": states["Done"]["id"]}, headers=headers
    )
    assert gone.status_code == 204, gone.text

    tasks = {
        t["id"]: t
        for t in await walk(
            client, f"/api/v1/projects/{board.project_id}/tasks", headers, limit=100
        )
    }
    for moved in (first, repeating):
        now = tasks[moved["id"]]
        assert (now["status"], now["state"]["name"]) == ("done", "Done")
        assert now["completed_at"] is not None
        assert now["version"] == moved["version"] + 1
    # They keep their column order, after the cards already in Done.
    ranked = await walk(
        client, f"/api/v1/projects/{board.project_id}/tasks", headers, limit=100, sort="rank"
    )
    column = [t["id"] for t in ranked if t["state"]["id"] == states["Done"]["id"]]
    assert column == [done_before["id"], first["id"], repeating["id"]]
    # The repeating task's next occurrence went to the remaining to-do state, not the
    # deleted one.
    (successor,) = [t for t in tasks.values() if t["title"] == "Report" and t["status"] == "todo"]
    assert successor["state"]["name"] == "To do"
    # Each task's change is in its trail; the state's deletion counts every task it moved.
    trail = await client.get(f"/api/v1/tasks/{first['id']}/activity", headers=headers)
    assert trail.json()["items"][0]["changes"]["status"] == {"old": "todo", "new": "done"}
    entries = await walk(
        client, f"/api/v1/workspaces/{board.workspace_id}/activity", headers, limit=100
    )
    deleted = next(
        e for e in entries if e["entity_type"] == "workflow_state" and e["action"] == "deleted"
    )
    assert deleted["changes"]["moved_tasks"] == {"old": 3, "new": None}


async def test_too_many_tasks_for_another_category_are_refused_whole(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_removal, "MAX_RECATEGORISED", 1)
    board = await new_board(client)
    states = {s["name"]: s for s in await _states(client, board)}
    review = (await _add(client, board, name="Review", category="in_progress")).json()
    for title in ("One", "Two"):
        await new_task(client, board, title=title, state_id=review["id"])
    url = f"/api/v1/states/{review['id']}"
    refused = await client.delete(
        url, params={"move_to": states["Done"]["id"]}, headers=board.owner.headers
    )
    assert refused.status_code == 409, refused.text
    assert "More than 1 tasks are in Review" in refused.json()["detail"]
    assert (await client.get(url, headers=board.viewer.headers)).status_code == 200
    kept = await walk(
        client, f"/api/v1/projects/{board.project_id}/tasks", board.owner.headers, limit=100
    )
    assert [(t["state"]["id"], t["status"]) for t in kept] == [(review["id"], "in_progress")] * 2
    # Within the category, one statement moves any number of them.
    same = await client.delete(
        url, params={"move_to": states["In progress"]["id"]}, headers=board.owner.headers
    )
    assert same.status_code == 204, same.text


async def test_status_and_state_stay_in_step(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    states = {s["name"]: s for s in await _states(client, board)}
    review = (await _add(client, board, name="Review", category="in_progress")).json()
    headers = board.member.headers

    plain = await new_task(client, board)
    assert plain["state"] == {"id": states["To do"]["id"], "name": "To do", "category": "todo"}
    in_review = await new_task(client, board, state_id=review["id"])
    assert (in_review["status"], in_review["state"]["name"]) == ("in_progress", "Review")
    done = await new_task(client, board, status="done")
    assert done["state"]["id"] == states["Done"]["id"]
    assert done["completed_at"] is not None
    clash = await client.post(
        f"/api/v1/projects/{board.project_id}/tasks",
        json={"title": "x", "status": "done", "state_id": review["id"]},
        headers=headers,
    )
    assert clash.status_code == 422
    foreign_state = (await _states(client, await new_board(client)))[0]["id"]
    foreign = await client.post(
        f"/api/v1/projects/{board.project_id}/tasks",
        json={"title": "x", "state_id": foreign_state},
        headers=headers,
    )
    assert foreign.status_code == 422

    # status alone: the first state of that category; state_id alone: its category.
    url = f"/api/v1/tasks/{plain['id']}"
    moved = (await client.patch(url, json={"status": "in_progress"}, headers=headers)).json()
    assert moved["state"]["id"] == states["In progress"]["id"]
    moved = (await client.patch(url, json={"state_id": review["id"]}, headers=headers)).json()
    assert (moved["status"], moved["state"]["name"]) == ("in_progress", "Review")
    same = (await client.patch(url, json={"status": "in_progress"}, headers=headers)).json()
    assert same["state"]["name"] == "Review"  # already of that category: it stays
    closed = await client.patch(url, json={"state_id": states["Done"]["id"]}, headers=headers)
    assert (closed.json()["status"], closed.json()["completed_at"] is not None) == ("done", True)
    for bad in (
        {"status": "todo", "state_id": review["id"]},
        {"state_id": None},
        {"state_id": foreign_state},
    ):
        refused = await client.patch(url, json=bad, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
    assert (await client.get(url, headers=headers)).json()["status"] == "done"

    # Lists and counts by status still see it; the list shows state and rank too.
    listed = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks",
        params={"status": "done"},
        headers=headers,
    )
    assert {t["id"] for t in listed.json()["items"]} == {plain["id"], done["id"]}
    assert all(t["state"]["category"] == "done" and t["rank"] for t in listed.json()["items"])
    counts = await client.get(f"/api/v1/projects/{board.project_id}/tasks/counts", headers=headers)
    assert counts.json() == {"todo": 0, "in_progress": 1, "done": 2, "cancelled": 0}

    # Another project: its first state of the same category.
    ops = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Ops", "key": "OPS"},
        headers=board.owner.headers,
    )
    ops_states = (
        await client.get(f"/api/v1/projects/{ops.json()['id']}/states", headers=headers)
    ).json()["items"]
    moved = await client.patch(
        f"/api/v1/tasks/{in_review['id']}", json={"project_id": ops.json()["id"]}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"]["id"] == ops_states[1]["id"]
    assert moved.json()["status"] == "in_progress"
