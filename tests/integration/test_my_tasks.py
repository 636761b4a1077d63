"""The caller's assigned tasks across workspaces, and a project's task counts by status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import add_member

MINE = "/api/v1/users/me/tasks"


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _two_workspaces(client: httpx.AsyncClient) -> tuple[Board, Board]:
    """Two boards; the first board's member is also a member of the second."""
    first, second = await new_board(client), await new_board(client)
    await add_member(client, second.workspace_id, second.owner, first.member, "member")
    return first, second


async def _assigned(client: httpx.AsyncClient, board: Board, who: str, **fields: Any) -> str:
    task = await new_task(client, board, assignee_id=who, **fields)
    return str(task["id"])


async def test_open_tasks_overdue_first_then_by_due_date_then_undated(
    client: httpx.AsyncClient,
) -> None:
    first, second = await _two_workspaces(client)
    me = first.member.id
    undated_a = await _assigned(client, first, me, title="Undated A")
    later = await _assigned(client, second, me, title="Later", due_at=_due(10))
    overdue = await _assigned(client, first, me, title="Overdue", due_at=_due(-2))
    soon = await _assigned(client, second, me, title="Soon", due_at=_due(1), status="in_progress")
    undated_b = await _assigned(client, second, me, title="Undated B")
    # Not open, or not mine: never listed.
    await _assigned(client, first, me, title="Done", status="done", due_at=_due(-5))
    await _assigned(client, first, me, title="Cancelled", status="cancelled")
    await _assigned(client, first, first.owner.id, title="The owner's", due_at=_due(-9))
    await new_task(client, first, title="Nobody's", due_at=_due(-9))

    answer = await client.get(MINE, headers=first.member.headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert answer.json()["next_cursor"] is None
    dated = [overdue, soon, later]
    undated = sorted([undated_a, undated_b])  # undated: by id
    assert [item["id"] for item in items] == dated + undated
    assert {item["status"] for item in items} == {"todo", "in_progress"}
    assert {item["workspace_id"] for item in items} == {first.workspace_id, second.workspace_id}
    assert items[0]["key"].startswith("WEB-")

    # Someone with nothing assigned gets an empty page.
    nothing = await client.get(MINE, headers=first.viewer.headers)
    assert nothing.json() == {"items": [], "next_cursor": None}


async def test_pages_walk_the_same_order_without_repeats(client: httpx.AsyncClient) -> None:
    first, second = await _two_workspaces(client)
    me = first.member.id
    for day in (3, -1, None, 5, None, -4, 3, None):
        board = first if day is None or day > 0 else second
        await _assigned(client, board, me, **({"due_at": _due(day)} if day is not None else {}))
    everything = (
        await client.get(MINE, params={"limit": 100}, headers=first.member.headers)
    ).json()
    assert everything["next_cursor"] is None
    expected = [item["id"] for item in everything["items"]]
    assert len(expected) == 8
    for size in (1, 2, 3):
        walked = await walk(client, MINE, first.member.headers, limit=size)
        assert [item["id"] for item in walked] == expected


async def test_removed_from_a_workspace_its_tasks_are_no_longer_listed(
    client: httpx.AsyncClient,
) -> None:
    first, second = await _two_workspaces(client)
    me = first.member.id
    kept = await _assigned(client, first, me, title="Kept")
    await _assigned(client, second, me, title="Gone")
    before = await client.get(MINE, headers=first.member.headers)
    assert len(before.json()["items"]) == 2
    removed = await client.delete(
        f"/api/v1/workspaces/{second.workspace_id}/members/{me}", headers=second.owner.headers
    )
    assert removed.status_code == 204, removed.text
    after = await client.get(MINE, headers=first.member.headers)
    assert [item["id"] for item in after.json()["items"]] == [kept]


async def test_bad_cursors_and_anonymous_callers_are_refused(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    assert (await client.get(MINE)).status_code == 401
    bad = await client.get(MINE, params={"cursor": "nope"}, headers=board.member.headers)
    assert bad.status_code == 422
    too_many = await client.get(MINE, params={"limit": 101}, headers=board.member.headers)
    assert too_many.status_code == 422


async def test_task_counts_by_status(client: httpx.AsyncClient) -> None:
    board, other = await new_board(client), await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks/counts"
    empty = await client.get(url, headers=board.viewer.headers)
    assert empty.json() == {"todo": 0, "in_progress": 0, "done": 0, "cancelled": 0}
    for status in ("todo", "todo", "done", "in_progress", "todo"):
        await new_task(client, board, status=status)
    await new_task(client, other)  # another project's task counts elsewhere
    counts = await client.get(url, headers=board.viewer.headers)
    assert counts.status_code == 200
    assert counts.json() == {"todo": 3, "in_progress": 1, "done": 1, "cancelled": 0}
    foreign = await client.get(url, headers=other.owner.headers)
    missing = await client.get("/api/v1/projects/nope/tasks/counts", headers=board.owner.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]


async def test_the_task_list_filters_across_workspaces(client: httpx.AsyncClient) -> None:
    first, second = await _two_workspaces(client)
    me = first.member.id
    bug = await _assigned(client, first, me, title="Crash on save", labels=["bug"], priority="high")
    other_bug = await _assigned(
        client, second, me, title="Login bug", labels=["Bug"], due_at=_due(2), priority="low"
    )
    done = await _assigned(client, second, me, title="Shipped", status="done", due_at=_due(-1))
    plain = await _assigned(client, first, me, title="Write docs", due_at=_due(-3))
    headers = first.member.headers

    async def ids(**params: Any) -> list[str]:
        answer = await client.get(MINE, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    # The default: open only, soonest due first; `status` opens up the closed ones.
    assert await ids() == [plain, other_bug, bug]
    assert await ids(status=["done"]) == [done]
    assert set(await ids(status=["todo", "done"])) == {bug, other_bug, done, plain}
    # Labels (case-insensitively), priorities, due dates, search: in both workspaces.
    assert set(await ids(label="BUG")) == {bug, other_bug}
    assert await ids(priority=["high"]) == [bug]
    assert await ids(due_before=_due(0)) == [plain]
    assert await ids(due_after=_due(0)) == [other_bug]
    assert await ids(q="crash") == [bug]
    # Any sort of the task list.
    assert await ids(sort="-priority") == [bug, other_bug, plain]  # high, low, none
    assert (await ids(sort="created_at")) == [bug, other_bug, plain]
    assert (await ids(sort="-created_at")) == [plain, other_bug, bug]
    # `assignee_id=me` is harmless; anyone else's is refused; bad values are 422s.
    assert await ids(assignee_id="me") == [plain, other_bug, bug]
    for params in (
        {"assignee_id": first.owner.id},
        {"sort": "title"},
        {"status": "open"},
        {"risk": "extreme"},
        {"due_before": "tomorrow"},
    ):
        refused = await client.get(MINE, params=params, headers=headers)
        assert refused.status_code == 422, params


async def test_filtered_and_sorted_pages_walk_without_repeats(client: httpx.AsyncClient) -> None:
    first, second = await _two_workspaces(client)
    me = first.member.id
    for index in range(7):
        board = first if index % 2 else second
        await _assigned(client, board, me, priority=("low", "high", "medium")[index % 3])
    for sort in ("-priority", "created_at", "-updated_at", "due_at"):
        whole = await client.get(
            MINE, params={"sort": sort, "limit": 100}, headers=first.member.headers
        )
        expected = [item["id"] for item in whole.json()["items"]]
        assert len(expected) == 7
        walked = await walk(client, MINE, first.member.headers, sort=sort, limit=2)
        assert [item["id"] for item in walked] == expected
    # A cursor of one sort is refused by another.
    page = await client.get(
        MINE, params={"sort": "-priority", "limit": 2}, headers=first.member.headers
    )
    cursor = page.json()["next_cursor"]
    other = await client.get(
        MINE, params={"sort": "created_at", "cursor": cursor}, headers=first.member.headers
    )
    assert other.status_code == 422


async def test_private_projects_hidden_from_me_are_left_out(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member.id
    visible = await _assigned(client, board, me, title="Open project")
    secret = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Secret", "key": "SEC"},
        headers=board.owner.headers,
    )
    secret_id = secret.json()["id"]
    hidden = await client.post(
        f"/api/v1/projects/{secret_id}/tasks",
        json={"title": "Hidden", "assignee_id": me},
        headers=board.owner.headers,
    )
    assert hidden.status_code == 201, hidden.text
    assert len((await client.get(MINE, headers=board.member.headers)).json()["items"]) == 2
    private = await client.patch(
        f"/api/v1/projects/{secret_id}",
        json={"visibility": "private"},
        headers=board.owner.headers,
    )
    assert private.status_code == 200, private.text
    for params in ({}, {"q": "hidden"}, {"sort": "-created_at"}, {"status": ["todo"]}):
        answer = await client.get(MINE, params=params, headers=board.member.headers)
        assert [item["id"] for item in answer.json()["items"]] == (
            [] if params.get("q") else [visible]
        ), params
