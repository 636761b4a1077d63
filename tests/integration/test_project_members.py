"""Private projects (docs/api.md, Private projects): a project's visibility, its members
API, who may do what, and what removing someone from the workspace takes with it. On both
databases."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from smarttask.accounts.models import User
from smarttask.workspaces.models import ProjectMember
from tests.support.accounts import app_of, assert_problem
from tests.support.workspaces import Account, add_member, new_workspace, signup

API = "/api/v1"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def team(client: httpx.AsyncClient) -> tuple[str, dict[str, Account]]:
    """A workspace with one account of each role (two plain members), and an outsider."""
    owner = await signup(client, "owner")
    workspace_id = await new_workspace(client, owner)
    people = {"owner": owner}
    for name, role in (
        ("admin", "admin"),
        ("member", "member"),
        ("other", "member"),
        ("viewer", "viewer"),
    ):
        people[name] = await signup(client, name)
        await add_member(client, workspace_id, owner, people[name], role)
    people["outsider"] = await signup(client, "outsider")
    return workspace_id, people


async def new_project(
    client: httpx.AsyncClient, workspace_id: str, by: Account, key: str = "WEB", **extra: Any
) -> dict[str, Any]:
    """A project made through the API; its body."""
    created = await client.post(
        f"{API}/workspaces/{workspace_id}/projects",
        json={"name": f"Project {key}", "key": key, **extra},
        headers=by.headers,
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def add(
    client: httpx.AsyncClient, project_id: str, by: Account, user_id: str, **headers: str
) -> httpx.Response:
    """POST /projects/{id}/members as `by`."""
    return await client.post(
        f"{API}/projects/{project_id}/members",
        json={"user_id": user_id},
        headers={**by.headers, **headers},
    )


async def member_ids(client: httpx.AsyncClient, project_id: str, by: Account) -> list[str]:
    """The project's members as `by` lists them (one page of 100)."""
    listed = await client.get(f"{API}/projects/{project_id}/members?limit=100", headers=by.headers)
    assert listed.status_code == 200, listed.text
    return [item["user_id"] for item in listed.json()["items"]]


async def rows(client: httpx.AsyncClient) -> int:
    """Rows of project_member, read from the database itself."""
    async with app_of(client).state.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ProjectMember)) or 0)


async def trail(client: httpx.AsyncClient, workspace_id: str, by: Account) -> list[dict[str, Any]]:
    """The workspace's activity, newest first (one page of 100)."""
    answer = await client.get(
        f"{API}/workspaces/{workspace_id}/activity?limit=100", headers=by.headers
    )
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["items"]
    return entries


# --- visibility ------------------------------------------------------------------------------


async def test_visibility_is_workspace_by_default_and_private_on_request(
    client: httpx.AsyncClient,
) -> None:
    workspace_id, people = await team(client)
    open_one = await new_project(client, workspace_id, people["owner"], "OPEN")
    assert open_one["visibility"] == "workspace"
    hidden = await new_project(client, workspace_id, people["admin"], "HID", visibility="private")
    assert hidden["visibility"] == "private"
    read = await client.get(f"{API}/projects/{hidden['id']}", headers=people["admin"].headers)
    assert read.json()["visibility"] == "private"
    # The trail of the creation names the visibility.
    created = [
        e
        for e in await trail(client, workspace_id, people["owner"])
        if e["entity_id"] == hidden["id"]
    ]
    assert created[0]["changes"]["visibility"] == {"old": None, "new": "private"}
    # Nothing but the two values.
    for bad in ("secret", "", None, 1, ["private"], "Private", "private\u0000"):
        refused = await client.post(
            f"{API}/workspaces/{workspace_id}/projects",
            json={"name": "Bad", "key": "BAD", "visibility": bad},
            headers=people["owner"].headers,
        )
        assert_problem(refused, 422)
    listed = await client.get(
        f"{API}/workspaces/{workspace_id}/projects", headers=people["owner"].headers
    )
    assert [p["key"] for p in listed.json()["items"]] == ["OPEN", "HID"]


async def test_changing_the_visibility_is_an_admins_patch_on_the_trail(
    client: httpx.AsyncClient,
) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"])
    url = f"{API}/projects/{project['id']}"
    for who in ("viewer", "member"):
        refused = await client.patch(
            url, json={"visibility": "private"}, headers=people[who].headers
        )
        assert_problem(refused, 403)
    stale = await client.patch(
        url, json={"visibility": "private"}, headers={**people["admin"].headers, "If-Match": '"7"'}
    )
    assert_problem(stale, 412)
    changed = await client.patch(
        url, json={"visibility": "private"}, headers={**people["admin"].headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["visibility"] == "private"
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] == '"2"'
    # null and other fields leave it as it is; a bad value is refused and changes nothing.
    kept = await client.patch(
        url, json={"visibility": None, "name": "Renamed"}, headers=people["admin"].headers
    )
    assert kept.json()["visibility"] == "private"
    assert_problem(
        await client.patch(url, json={"visibility": "nobody"}, headers=people["admin"].headers), 422
    )
    assert (await client.get(url, headers=people["admin"].headers)).json()[
        "visibility"
    ] == "private"
    entries = [
        e
        for e in await trail(client, workspace_id, people["owner"])
        if e["entity_type"] == "project" and e["action"] == "updated"
    ]
    assert entries[-1]["changes"] == {"visibility": {"old": "workspace", "new": "private"}}
    assert entries[-1]["actor_id"] == people["admin"].id
    # Making it private added nobody.
    assert await member_ids(client, project["id"], people["owner"]) == []
    back = await client.patch(
        url, json={"visibility": "workspace"}, headers=people["owner"].headers
    )
    assert back.json()["visibility"] == "workspace"


async def test_a_private_project_is_seen_by_its_members_and_the_admins_only(
    client: httpx.AsyncClient,
) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"], visibility="private")
    url = f"{API}/projects/{project['id']}"
    for who in ("owner", "admin"):
        assert (await client.get(url, headers=people[who].headers)).status_code == 200
    missing = await client.get(f"{API}/projects/{UNKNOWN}", headers=people["member"].headers)
    for who in ("member", "viewer", "outsider"):
        hidden = await client.get(url, headers=people[who].headers)
        assert_problem(hidden, 404)
        assert hidden.json()["detail"] == missing.json()["detail"]
    assert (
        await add(client, project["id"], people["admin"], people["member"].id)
    ).status_code == 201
    assert (await client.get(url, headers=people["member"].headers)).status_code == 200
    assert_problem(await client.get(url, headers=people["other"].headers), 404)
    removed = await client.delete(
        f"{url}/members/{people['member'].id}", headers=people["owner"].headers
    )
    assert removed.status_code == 204
    assert_problem(await client.get(url, headers=people["member"].headers), 404)


# --- the members API -------------------------------------------------------------------------


async def test_admins_add_list_and_remove_project_members(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"], visibility="private")
    members_url = f"{API}/projects/{project['id']}/members"
    added = await add(client, project["id"], people["admin"], people["member"].id)
    assert added.status_code == 201, added.text
    body = added.json()
    assert set(body) == {"user_id", "name", "email", "added_at"}
    assert body["user_id"] == people["member"].id
    assert body["name"] == "member"
    assert body["email"] == people["member"].email
    assert body["added_at"].endswith("Z")
    # Admins and owners may be members too (it keeps them in if they lose their role).
    for who in ("viewer", "other", "admin"):
        assert (
            await add(client, project["id"], people["owner"], people[who].id)
        ).status_code == 201
    expected = [people[who].id for who in ("member", "viewer", "other", "admin")]
    assert await member_ids(client, project["id"], people["owner"]) == expected
    # Keyset pages: a member added while one walks them is neither skipped nor repeated.
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await client.get(members_url, params=params, headers=people["member"].headers)
        assert page.status_code == 200, page.text
        seen += [item["user_id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        if len(seen) == 3:
            assert (
                await add(client, project["id"], people["owner"], people["owner"].id)
            ).status_code == 201
    assert seen == [*expected, people["owner"].id]
    assert_problem(
        await client.get(
            members_url, params={"cursor": "garbage!"}, headers=people["owner"].headers
        ),
        422,
    )
    assert_problem(
        await client.get(members_url, params={"limit": 0}, headers=people["owner"].headers), 422
    )
    # Removing: 204, then 404 (not a member any more), and the trail has both.
    removed = await client.delete(
        f"{members_url}/{people['viewer'].id}", headers=people["admin"].headers
    )
    assert removed.status_code == 204
    assert removed.content == b""
    again = await client.delete(
        f"{members_url}/{people['viewer'].id}", headers=people["admin"].headers
    )
    assert_problem(again, 404)
    assert_problem(
        await client.delete(f"{members_url}/{UNKNOWN}", headers=people["admin"].headers), 404
    )
    assert people["viewer"].id not in await member_ids(client, project["id"], people["owner"])
    entries = [
        e
        for e in await trail(client, workspace_id, people["owner"])
        if e["entity_type"] == "project_member"
    ]
    assert all(e["entity_id"] == project["id"] for e in entries)
    assert entries[0]["action"] == "deleted"
    assert entries[0]["changes"] == {"user_id": {"old": people["viewer"].id, "new": None}}
    assert entries[0]["actor_id"] == people["admin"].id
    assert entries[-1]["action"] == "created"
    assert entries[-1]["changes"] == {"user_id": {"old": None, "new": people["member"].id}}
    assert len(entries) == 6


async def test_adding_twice_is_a_conflict_and_writes_nothing(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"])
    assert (
        await add(client, project["id"], people["owner"], people["member"].id)
    ).status_code == 201
    before = (await rows(client), len(await trail(client, workspace_id, people["owner"])))
    twice = await add(client, project["id"], people["admin"], people["member"].id)
    assert_problem(twice, 409)
    assert "already a member" in twice.json()["detail"]
    assert (await rows(client), len(await trail(client, workspace_id, people["owner"]))) == before


async def test_only_members_of_the_workspace_can_be_added(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"])
    await new_workspace(client, people["outsider"], "Elsewhere")  # a member, elsewhere
    for user_id in (people["outsider"].id, UNKNOWN, "not-an-id"):
        refused = await add(client, project["id"], people["owner"], user_id)
        body = assert_problem(refused, 422)
        assert body["errors"][0]["loc"] == ["body", "user_id"]
    # A disabled account is not an active member any more.
    async with app_of(client).state.database.session() as session:
        user = await session.get(User, people["other"].id)
        assert user is not None
        user.is_active = False
        await session.commit()
    assert_problem(await add(client, project["id"], people["owner"], people["other"].id), 422)
    assert await rows(client) == 0


async def test_bad_bodies_and_ids_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"])
    url = f"{API}/projects/{project['id']}/members"
    headers = people["owner"].headers
    bodies: list[Any] = [
        {},
        {"user_id": ""},
        {"user_id": 5},
        {"user_id": None},
        {"user_id": ["x"]},
        {"user_id": "a" * 65},
        {"user_id": "abc\u0000"},
        {"user_id": people["member"].id, "role": "owner"},
        [people["member"].id],
    ]
    for body in bodies:
        assert_problem(await client.post(url, json=body, headers=headers), 422)
    huge = {"user_id": people["member"].id, "pad": "x" * 2_000_000}
    assert_problem(await client.post(url, json=huge, headers=headers), 413)
    not_json = await client.post(
        url, content=b"user_id=x", headers={**headers, "Content-Type": "text/plain"}
    )
    assert_problem(not_json, 415)
    assert_problem(await client.delete(f"{url}/abc%00", headers=headers), 422)
    assert_problem(await client.delete(f"{url}/{'a' * 65}", headers=headers), 422)
    assert_problem(await client.get(f"{API}/projects/{'p' * 65}/members", headers=headers), 422)
    assert await rows(client) == 0


async def test_roles_and_tenancy(client: httpx.AsyncClient) -> None:
    """Anyone who sees the project lists its members; admins and owners change them. A
    member or viewer who sees the project gets 403 on changes; anyone who does not see it
    (another tenant, or a member kept out of a private project) gets 404, exactly as for a
    project that does not exist."""
    workspace_id, people = await team(client)
    shared = await new_project(client, workspace_id, people["owner"], "OPEN")
    hidden = await new_project(client, workspace_id, people["owner"], "HID", visibility="private")
    assert (await add(client, hidden["id"], people["owner"], people["other"].id)).status_code == 201
    target = people["admin"].id  # someone to add; removals act on `other`

    async def statuses(project_id: str, who: str) -> tuple[int, int, int]:
        url = f"{API}/projects/{project_id}/members"
        headers = people[who].headers
        listed = await client.get(url, headers=headers)
        added = await client.post(url, json={"user_id": target}, headers=headers)
        removed = await client.delete(f"{url}/{people['other'].id}", headers=headers)
        return listed.status_code, added.status_code, removed.status_code

    for who in ("viewer", "member"):
        assert await statuses(shared["id"], who) == (200, 403, 403), who
        assert await statuses(hidden["id"], who) == (404, 404, 404), who
        assert await statuses(UNKNOWN, who) == (404, 404, 404), who
    assert await statuses(shared["id"], "outsider") == (404, 404, 404)
    assert await statuses(hidden["id"], "outsider") == (404, 404, 404)
    # The project member who is a plain member: reads, may not change.
    other = people["other"].headers
    assert (
        await client.get(f"{API}/projects/{hidden['id']}/members", headers=other)
    ).status_code == 200
    refused = await client.post(
        f"{API}/projects/{hidden['id']}/members", json={"user_id": target}, headers=other
    )
    assert_problem(refused, 403)
    # Nothing of that changed anything.
    assert await member_ids(client, hidden["id"], people["owner"]) == [people["other"].id]
    assert await member_ids(client, shared["id"], people["owner"]) == []
    # 404 bodies read the same for a hidden project and one that does not exist.
    hidden_answer = await client.get(
        f"{API}/projects/{hidden['id']}/members", headers=people["member"].headers
    )
    unknown_answer = await client.get(
        f"{API}/projects/{UNKNOWN}/members", headers=people["member"].headers
    )
    assert hidden_answer.json()["detail"] == unknown_answer.json()["detail"]


async def test_an_idempotency_key_replays_the_addition(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"])
    first = await add(
        client, project["id"], people["owner"], people["member"].id, **{"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201
    replay = await add(
        client, project["id"], people["owner"], people["member"].id, **{"Idempotency-Key": "k1"}
    )
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert await rows(client) == 1
    other_body = await add(
        client, project["id"], people["owner"], people["viewer"].id, **{"Idempotency-Key": "k1"}
    )
    assert_problem(other_body, 422)
    assert await rows(client) == 1


# --- leaving the workspace -------------------------------------------------------------------


async def test_removal_from_the_workspace_removes_the_project_memberships(
    client: httpx.AsyncClient,
) -> None:
    workspace_id, people = await team(client)
    first = await new_project(client, workspace_id, people["owner"], "ONE", visibility="private")
    second = await new_project(client, workspace_id, people["owner"], "TWO")
    for project in (first, second):
        for who in ("member", "other"):
            assert (
                await add(client, project["id"], people["owner"], people[who].id)
            ).status_code == 201
    # Another workspace's project membership of the same person stays.
    theirs = await new_workspace(client, people["outsider"], "Theirs")
    await add_member(client, theirs, people["outsider"], people["member"], "member")
    kept = await new_project(client, theirs, people["outsider"], "KEPT", visibility="private")
    assert (
        await add(client, kept["id"], people["outsider"], people["member"].id)
    ).status_code == 201

    removed = await client.delete(
        f"{API}/workspaces/{workspace_id}/members/{people['member'].id}",
        headers=people["admin"].headers,
    )
    assert removed.status_code == 204, removed.text
    for project in (first, second):
        assert await member_ids(client, project["id"], people["owner"]) == [people["other"].id]
    assert await member_ids(client, kept["id"], people["outsider"]) == [people["member"].id]
    entries = [
        e
        for e in await trail(client, workspace_id, people["owner"])
        if e["entity_type"] == "project_member" and e["action"] == "deleted"
    ]
    assert sorted(e["entity_id"] for e in entries) == sorted([first["id"], second["id"]])
    assert all(
        e["changes"] == {"user_id": {"old": people["member"].id, "new": None}} for e in entries
    )
    # Back in the workspace, they are not back in the private project.
    await add_member(client, workspace_id, people["owner"], people["member"], "member")
    assert_problem(
        await client.get(f"{API}/projects/{first['id']}/members", headers=people["member"].headers),
        404,
    )
    assert_problem(
        await client.get(f"{API}/projects/{first['id']}", headers=people["member"].headers), 404
    )

    # Leaving by oneself takes one's project memberships along too.
    left = await client.delete(
        f"{API}/workspaces/{workspace_id}/members/{people['other'].id}",
        headers=people["other"].headers,
    )
    assert left.status_code == 204, left.text
    assert await member_ids(client, first["id"], people["owner"]) == []
    assert await rows(client) == 1  # the other workspace's


async def test_deleting_a_project_deletes_its_memberships(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    project = await new_project(client, workspace_id, people["owner"], visibility="private")
    assert (
        await add(client, project["id"], people["owner"], people["member"].id)
    ).status_code == 201
    deleted = await client.delete(
        f"{API}/projects/{project['id']}", headers=people["owner"].headers
    )
    assert deleted.status_code == 204
    assert await rows(client) == 0
    assert_problem(
        await client.get(
            f"{API}/projects/{project['id']}/members", headers=people["owner"].headers
        ),
        404,
    )
