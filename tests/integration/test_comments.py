"""Comments and the task trail (docs/api.md)."""

from __future__ import annotations

import httpx

from tests.support.tasks import new_board, new_task
from tests.support.workspaces import add_member, signup


async def test_comment_lifecycle_and_permissions(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    base = f"/api/v1/tasks/{task['id']}/comments"
    created = await client.post(base, json={"body": " Looks good "}, headers=board.member.headers)
    assert created.status_code == 201
    comment = created.json()
    assert comment["body"] == "Looks good"
    assert comment["author_id"] == board.member.id
    assert (
        await client.post(base, json={"body": "no"}, headers=board.viewer.headers)
    ).status_code == 403
    assert (
        await client.post(base, json={"body": ""}, headers=board.member.headers)
    ).status_code == 422
    listed = await client.get(base, headers=board.viewer.headers)
    assert [c["id"] for c in listed.json()["items"]] == [comment["id"]]
    url = f"/api/v1/comments/{comment['id']}"
    colleague = await signup(client)
    await add_member(client, board.workspace_id, board.owner, colleague, "member")
    assert (
        await client.patch(url, json={"body": "hijack"}, headers=colleague.headers)
    ).status_code == 403
    assert (
        await client.patch(url, json={"body": "hijack"}, headers=board.owner.headers)
    ).status_code == 403
    edited = await client.patch(
        url, json={"body": "Edited"}, headers=board.member.headers | {"If-Match": '"1"'}
    )
    assert edited.json()["body"] == "Edited"
    stale = await client.delete(url, headers=board.member.headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.delete(url, headers=colleague.headers)).status_code == 403
    assert (await client.delete(url, headers=board.owner.headers)).status_code == 204  # admins may
    assert (await client.get(base, headers=board.viewer.headers)).json()["items"] == []


async def test_a_written_comments_answer_is_the_listed_comment(client: httpx.AsyncClient) -> None:
    """The answers of a comment's create and edit, written without the response model, are
    the list's items (the model's output) field for field and string for string."""
    board = await new_board(client)
    task = await new_task(client, board)
    base = f"/api/v1/tasks/{task['id']}/comments"
    created = await client.post(
        base, json={"body": "First <b>draft</b>"}, headers=board.member.headers
    )
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/api/v1/comments/{created.json()['id']}"
    listed = (await client.get(base, headers=board.viewer.headers)).json()["items"]
    assert listed == [created.json()]
    assert listed[0]["created_at"].endswith("Z")
    edited = await client.patch(
        f"/api/v1/comments/{created.json()['id']}",
        json={"body": "Second"},
        headers=board.member.headers | {"If-Match": '"1"'},
    )
    assert edited.status_code == 200
    assert edited.headers["etag"] == '"2"'
    listed = (await client.get(base, headers=board.viewer.headers)).json()["items"]
    assert listed == [edited.json()]
    assert list(edited.json()) == list(listed[0])  # the same fields in the same order


async def test_comments_read_both_ways_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    base = f"/api/v1/tasks/{task['id']}/comments"
    for i in range(5):
        made = await client.post(base, json={"body": f"c{i}"}, headers=board.member.headers)
        assert made.status_code == 201

    async def bodies(order: str) -> list[str]:
        found: list[str] = []
        params = {"limit": "2", "order": order}
        while True:
            page = await client.get(base, params=params, headers=board.viewer.headers)
            assert page.status_code == 200, page.text
            found += [c["body"] for c in page.json()["items"]]
            if page.json()["next_cursor"] is None:
                return found
            params["cursor"] = page.json()["next_cursor"]

    assert await bodies("oldest") == ["c0", "c1", "c2", "c3", "c4"]
    assert await bodies("newest") == ["c4", "c3", "c2", "c1", "c0"]
    # A cursor of one order is refused by the other, not read as a position in it.
    first = await client.get(base, params={"limit": "2"}, headers=board.viewer.headers)
    oldest_cursor = first.json()["next_cursor"]
    crossed = await client.get(
        base,
        params={"limit": "2", "order": "newest", "cursor": oldest_cursor},
        headers=board.viewer.headers,
    )
    assert crossed.status_code == 422
    newest = await client.get(
        base, params={"limit": "2", "order": "newest"}, headers=board.viewer.headers
    )
    back = await client.get(
        base,
        params={"limit": "2", "cursor": newest.json()["next_cursor"]},
        headers=board.viewer.headers,
    )
    assert back.status_code == 422
    bogus = await client.get(base, params={"order": "random"}, headers=board.viewer.headers)
    assert bogus.status_code == 422


async def test_deleting_a_task_removes_its_comments_and_records_it(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    comment = await client.post(
        f"/api/v1/tasks/{task['id']}/comments", json={"body": "x"}, headers=board.member.headers
    )
    assert (
        await client.delete(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    ).status_code == 204
    gone = await client.patch(
        f"/api/v1/comments/{comment.json()['id']}", json={"body": "y"}, headers=board.member.headers
    )
    assert gone.status_code == 404
    trail = (
        await client.get(
            f"/api/v1/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
        )
    ).json()["items"]
    assert (trail[0]["action"], trail[0]["entity_type"], trail[0]["entity_id"]) == (
        "deleted",
        "task",
        task["id"],
    )


async def test_task_trail_lists_its_changes(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Before")
    headers = board.member.headers | {"X-Request-ID": "trail-42"}
    await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "After", "priority": "high"}, headers=headers
    )
    trail = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=board.viewer.headers)
    assert trail.status_code == 200
    entries = trail.json()["items"]
    assert [e["action"] for e in entries] == ["updated", "created"]
    assert entries[0]["changes"] == {
        "title": {"old": "Before", "new": "After"},
        "priority": {"old": "none", "new": "high"},
    }
    assert entries[0]["request_id"] == "trail-42"
    assert entries[0]["actor_id"] == board.member.id
