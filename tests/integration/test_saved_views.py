"""Saved views through the API (contract §11): personal and shared visibility, who may
change them, filters checked as the task lists check them, `me`, and running a view."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.accounts import assert_problem
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import Account, add_member, signup

API = "/api/v1"


def _views(board: Board) -> str:
    return f"{API}/workspaces/{board.workspace_id}/views"


async def _create(
    client: httpx.AsyncClient, board: Board, who: Account, **body: Any
) -> httpx.Response:
    return await client.post(_views(board), json={"name": "A view"} | body, headers=who.headers)


async def _created(
    client: httpx.AsyncClient, board: Board, who: Account, **body: Any
) -> dict[str, Any]:
    response = await _create(client, board, who, **body)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"{API}/views/{response.json()['id']}"
    result: dict[str, Any] = response.json()
    return result


async def _listed(client: httpx.AsyncClient, board: Board, who: Account) -> list[str]:
    return [view["name"] for view in await walk(client, _views(board), who.headers, limit=1)]


async def test_create_read_update_delete_with_etags_and_a_trail(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    body = {
        "name": "  Open bugs  ",
        "filters": {"status": ["todo", "in_progress"], "label": "bug", "assignee_id": "me"},
        "sort": "-priority",
        "layout": "board",
    }
    view = await _created(client, board, board.member, **body)
    assert view["name"] == "Open bugs"
    assert view["filters"] == body["filters"]
    assert (view["sort"], view["layout"], view["shared"]) == ("-priority", "board", False)
    assert (view["owner_id"], view["workspace_id"]) == (board.member.id, board.workspace_id)
    url = f"{API}/views/{view['id']}"
    read = await client.get(url, headers=board.member.headers)
    assert read.status_code == 200
    assert read.json() == view
    etag = read.headers["ETag"]
    # Sending what it already holds changes nothing: same version, no trail entry.
    same = await client.patch(
        url,
        json={"name": "Open bugs", "filters": body["filters"], "sort": "-priority"},
        headers=board.member.headers | {"If-Match": etag},
    )
    assert same.status_code == 200, same.text
    assert same.json()["version"] == view["version"]

    changed = await client.patch(
        url, json={"name": "Bugs", "layout": "calendar"}, headers=board.member.headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["layout"]) == ("Bugs", "calendar")
    assert changed.json()["filters"] == body["filters"]  # untouched
    assert changed.json()["version"] == view["version"] + 1
    stale = await client.patch(
        url, json={"name": "Late"}, headers=board.member.headers | {"If-Match": etag}
    )
    assert stale.status_code == 412
    stale_delete = await client.delete(url, headers=board.member.headers | {"If-Match": etag})
    assert stale_delete.status_code == 412
    assert (await client.get(url, headers=board.member.headers)).json()["name"] == "Bugs"

    gone = await client.delete(
        url, headers=board.member.headers | {"If-Match": changed.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert (await client.get(url, headers=board.member.headers)).status_code == 404

    trail = await client.get(
        f"{API}/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    entries = [e for e in trail.json()["items"] if e["entity_type"] == "saved_view"]
    assert [e["action"] for e in entries] == ["deleted", "updated", "created"]
    # Every member reads the workspace's trail: a personal view's values stay its owner's.
    assert entries[1]["changes"]["name"] == {"old": "(personal view)", "new": "(personal view)"}
    assert "Open bugs" not in trail.text
    assert "bug" not in trail.text
    assert entries[2]["changes"]["shared"] == {"old": None, "new": False}
    assert {e["actor_id"] for e in entries} == {board.member.id}

    team = await _created(client, board, board.member, name="Team board", shared=True)
    trail = await client.get(
        f"{API}/workspaces/{board.workspace_id}/activity", headers=board.viewer.headers
    )
    created = [e for e in trail.json()["items"] if e["entity_id"] == team["id"]]
    assert created[0]["changes"]["name"] == {"old": None, "new": "Team board"}


async def test_personal_views_are_their_owners_and_shared_ones_everyones(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    stranger = await signup(client, "s")
    mine = await _created(client, board, board.member, name="Mine")
    shared = await _created(client, board, board.member, name="Team", shared=True)
    others = await _created(client, board, board.owner, name="Owner's own")

    assert await _listed(client, board, board.member) == ["Mine", "Team"]
    assert await _listed(client, board, board.viewer) == ["Team"]
    assert await _listed(client, board, board.owner) == ["Team", "Owner's own"]
    # Another member's personal view does not exist for them, even for the owner.
    for who, view in ((board.owner, mine), (board.viewer, mine), (board.member, others)):
        for path in ("", "/tasks"):
            missing = await client.get(f"{API}/views/{view['id']}{path}", headers=who.headers)
            assert_problem(missing, 404)
        patch = await client.patch(
            f"{API}/views/{view['id']}", json={"name": "x"}, headers=who.headers
        )
        assert patch.status_code == 404
    # Outside the workspace: 404 everywhere, exactly as a missing view.
    for path in (f"{API}/views/{shared['id']}", f"{API}/views/{shared['id']}/tasks"):
        foreign = await client.get(path, headers=stranger.headers)
        nothing = await client.get(path.replace(shared["id"], "nope"), headers=stranger.headers)
        assert foreign.status_code == nothing.status_code == 404
        assert foreign.json()["detail"] == nothing.json()["detail"]
    assert (await client.get(_views(board), headers=stranger.headers)).status_code == 404
    assert (await _create(client, board, stranger)).status_code == 404

    # A shared view: everyone reads it; its owner or an admin changes it, others 403.
    url = f"{API}/views/{shared['id']}"
    assert (await client.get(url, headers=board.viewer.headers)).status_code == 200
    refused = await client.patch(url, json={"name": "Mine now"}, headers=board.viewer.headers)
    assert_problem(refused, 403)
    colleague = await signup(client, "c")
    await add_member(client, board.workspace_id, board.owner, colleague, "member")
    assert (await client.delete(url, headers=colleague.headers)).status_code == 403
    renamed = await client.patch(url, json={"name": "Team board"}, headers=board.owner.headers)
    assert renamed.status_code == 200, renamed.text
    # Unsharing makes it personal again: gone for the others.
    unshared = await client.patch(url, json={"shared": False}, headers=board.member.headers)
    assert unshared.status_code == 200
    assert (await client.get(url, headers=board.viewer.headers)).status_code == 404
    assert (await client.get(url, headers=board.owner.headers)).status_code == 404


async def test_viewers_keep_personal_views_but_cannot_share(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    personal = await _created(client, board, board.viewer, name="Viewer's")
    assert_problem(await _create(client, board, board.viewer, shared=True), 403)
    url = f"{API}/views/{personal['id']}"
    refused = await client.patch(url, json={"shared": True}, headers=board.viewer.headers)
    assert_problem(refused, 403)
    renamed = await client.patch(url, json={"name": "Renamed"}, headers=board.viewer.headers)
    assert renamed.status_code == 200
    assert (await client.get(f"{url}/tasks", headers=board.viewer.headers)).status_code == 200


async def test_invalid_filters_are_refused_at_save_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    board, other = await new_board(client), await new_board(client)
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"filters": {"status": ["open"]}}, ["body", "filters", "status", 0]),
        ({"filters": {"priority": "critical"}}, ["body", "filters", "priority", 0]),
        ({"filters": {"risk": ["extreme"]}}, ["body", "filters", "risk", 0]),
        ({"filters": {"due_before": "tomorrow"}}, ["body", "filters", "due_before"]),
        ({"filters": {"q": ""}}, ["body", "filters", "q"]),
        ({"filters": {"label": ["a", "b"]}}, ["body", "filters", "label"]),
        ({"filters": {"colour": "red"}}, ["body", "filters", "colour"]),
        ({"filters": {"sort": "due_at"}}, ["body", "filters", "sort"]),
        ({"filters": {"cursor": "x"}}, ["body", "filters", "cursor"]),
        ({"filters": {"status": 3}}, ["body", "filters", "status"]),
        ({"filters": {"project_id": other.project_id}}, ["body", "filters", "project_id"]),
        ({"filters": {"project_id": "nope"}}, ["body", "filters", "project_id"]),
        ({"sort": "title"}, ["body", "sort"]),
        ({"layout": "gantt"}, ["body", "layout"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "x" * 101}, ["body", "name"]),
        ({"name": "nul\u0000"}, ["body"]),
        ({"owner_id": board.owner.id}, ["body", "owner_id"]),
    ]
    for body, loc in cases:
        refused = await _create(client, board, board.member, **body)
        problem = assert_problem(refused, 422)
        assert any(error["loc"][: len(loc)] == loc for error in problem["errors"]), (
            body,
            problem["errors"],
        )
    assert await _listed(client, board, board.member) == []
    view = await _created(client, board, board.member, filters={"label": "bug"})
    url = f"{API}/views/{view['id']}"
    refused = await client.patch(
        url, json={"filters": {"status": ["nope"]}}, headers=board.member.headers
    )
    assert refused.status_code == 422
    refused = await client.patch(url, json={"sort": "-nope"}, headers=board.member.headers)
    assert refused.status_code == 422
    kept = (await client.get(url, headers=board.member.headers)).json()
    assert (kept["filters"], kept["sort"], kept["version"]) == ({"label": "bug"}, None, 1)


async def test_running_a_view_pages_like_the_task_list_and_me_is_the_runner(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    admin = await signup(client, "a")
    await add_member(client, board.workspace_id, board.owner, admin, "admin")
    mine = [
        (await new_task(client, board, title=f"Mine {i}", assignee_id=board.member.id))["id"]
        for i in range(5)
    ]
    theirs = (await new_task(client, board, title="Admin's", assignee_id=admin.id))["id"]
    await new_task(client, board, title="Done", assignee_id=board.member.id, status="done")
    view = await _created(
        client,
        board,
        board.member,
        name="Assigned to me",
        filters={"assignee_id": "me", "status": ["todo"]},
        sort="created_at",
        shared=True,
    )
    url = f"{API}/views/{view['id']}/tasks"
    walked = await walk(client, url, board.member.headers, limit=2)
    assert [task["id"] for task in walked] == mine
    first = await client.get(url, params={"limit": 2}, headers=board.member.headers)
    assert set(first.json()) == {"items", "next_cursor"}
    assert len(first.json()["items"]) == 2
    # The same view run by someone else lists their tasks.
    assert [t["id"] for t in await walk(client, url, admin.headers)] == [theirs]
    # Paging parameters are checked as the list checks them.
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "nope"}):
        assert (await client.get(url, params=params, headers=board.member.headers)).status_code == (
            422
        )
    # A cursor of another sort is refused after the view's sort changes.
    cursor = first.json()["next_cursor"]
    await client.patch(
        f"{API}/views/{view['id']}", json={"sort": "-created_at"}, headers=board.member.headers
    )
    stale = await client.get(url, params={"cursor": cursor}, headers=board.member.headers)
    assert stale.status_code == 422


async def test_a_view_of_one_project_and_its_private_projects(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    second = await client.post(
        f"{API}/workspaces/{board.workspace_id}/projects",
        json={"name": "Ops", "key": "OPS"},
        headers=board.owner.headers,
    )
    ops = second.json()["id"]
    here = (await new_task(client, board, title="Web task", labels=["x"]))["id"]
    there = await client.post(
        f"{API}/projects/{ops}/tasks",
        json={"title": "Ops task", "labels": ["x"]},
        headers=board.owner.headers,
    )
    everywhere = await _created(client, board, board.owner, filters={"label": "x"}, shared=True)
    only_web = await _created(
        client,
        board,
        board.owner,
        filters={"label": "x", "project_id": board.project_id},
        shared=True,
    )
    only_ops = await _created(client, board, board.owner, filters={"project_id": ops}, shared=True)

    async def run(view: dict[str, Any], who: Account) -> httpx.Response:
        return await client.get(f"{API}/views/{view['id']}/tasks", headers=who.headers)

    both = {task["id"] for task in (await run(everywhere, board.member)).json()["items"]}
    assert both == {here, there.json()["id"]}
    assert [t["id"] for t in (await run(only_web, board.member)).json()["items"]] == [here]
    private = await client.patch(
        f"{API}/projects/{ops}", json={"visibility": "private"}, headers=board.owner.headers
    )
    assert private.status_code == 200, private.text
    # The private project's tasks leave the workspace-wide view; its own view is a 404.
    visible = [t["id"] for t in (await run(everywhere, board.member)).json()["items"]]
    assert visible == [here]
    assert (await run(only_ops, board.member)).status_code == 404
    assert (await run(only_ops, board.owner)).status_code == 200


async def test_a_view_post_replays_with_its_idempotency_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    headers = board.member.headers | {"Idempotency-Key": "view-1"}
    body = {"name": "Once", "filters": {"label": "x"}}
    first = await client.post(_views(board), json=body, headers=headers)
    again = await client.post(_views(board), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert await _listed(client, board, board.member) == ["Once"]
    different = await client.post(_views(board), json=body | {"name": "Twice"}, headers=headers)
    assert different.status_code == 422
