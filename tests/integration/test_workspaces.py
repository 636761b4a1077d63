"""Workspaces, members and roles (docs/api.md), on both databases."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.workspaces import Account, add_member, new_workspace, signup


async def team(client: httpx.AsyncClient) -> tuple[str, dict[str, Account]]:
    """A workspace with one account of each role, plus an outsider."""
    owner = await signup(client, "owner")
    workspace_id = await new_workspace(client, owner)
    people = {"owner": owner}
    for role in ("admin", "member", "viewer"):
        people[role] = await signup(client, role)
        await add_member(client, workspace_id, owner, people[role], role)
    people["outsider"] = await signup(client, "outsider")
    return workspace_id, people


async def test_creator_is_owner_and_sees_it(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    created = await client.post("/api/v1/workspaces", json={"name": " Web "}, headers=owner.headers)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Web"
    assert body["role"] == "owner"
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/api/v1/workspaces/{body['id']}"
    listed = await client.get("/api/v1/workspaces", headers=owner.headers)
    assert [w["id"] for w in listed.json()["items"]] == [body["id"]]
    one = await client.get(f"/api/v1/workspaces/{body['id']}", headers=owner.headers)
    assert one.json()["role"] == "owner"
    assert one.headers["etag"] == '"1"'


async def test_list_paginates_and_shows_only_own(client: httpx.AsyncClient) -> None:
    owner, other = await signup(client), await signup(client)
    ids = [await new_workspace(client, owner, f"w{i}") for i in range(5)]
    await new_workspace(client, other, "theirs")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/workspaces", params=params, headers=owner.headers)).json()
        seen += [w["id"] for w in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    bad = await client.get(
        "/api/v1/workspaces", params={"cursor": "garbage!"}, headers=owner.headers
    )
    assert bad.status_code == 422


async def test_outsiders_get_404_everywhere(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    outsider = people["outsider"].headers
    base = f"/api/v1/workspaces/{workspace_id}"
    calls = [
        client.get(base, headers=outsider),
        client.patch(base, json={"name": "x"}, headers=outsider),
        client.delete(base, headers=outsider),
        client.get(f"{base}/members", headers=outsider),
        client.post(f"{base}/members", json={"email": people["outsider"].email}, headers=outsider),
        client.patch(
            f"{base}/members/{people['member'].id}", json={"role": "viewer"}, headers=outsider
        ),
        client.delete(f"{base}/members/{people['member'].id}", headers=outsider),
    ]
    for response in await asyncio.gather(*calls):
        assert response.status_code == 404, response.request.url
    missing = await client.get("/api/v1/workspaces/does-not-exist", headers=people["owner"].headers)
    assert missing.status_code == 404


async def test_roles_decide_what_members_may_do(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    base = f"/api/v1/workspaces/{workspace_id}"
    for role in ("viewer", "member"):
        assert (await client.get(base, headers=people[role].headers)).status_code == 200
        assert (
            await client.get(f"{base}/members", headers=people[role].headers)
        ).status_code == 200
        renamed = await client.patch(base, json={"name": "x"}, headers=people[role].headers)
        assert renamed.status_code == 403
        newcomer = await signup(client)
        adding = await client.post(
            f"{base}/members", json={"email": newcomer.email}, headers=people[role].headers
        )
        assert adding.status_code == 403
    assert (
        await client.patch(base, json={"name": "Renamed"}, headers=people["admin"].headers)
    ).status_code == 200
    assert (await client.delete(base, headers=people["admin"].headers)).status_code == 403
    assert (await client.delete(base, headers=people["owner"].headers)).status_code == 204
    assert (await client.get(base, headers=people["owner"].headers)).status_code == 404


async def test_only_owners_touch_admin_and_owner_roles(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    base = f"/api/v1/workspaces/{workspace_id}"
    admin = people["admin"].headers
    newcomer = await signup(client)
    grant_admin = await client.post(
        f"{base}/members", json={"email": newcomer.email, "role": "admin"}, headers=admin
    )
    assert grant_admin.status_code == 403
    as_member = await client.post(f"{base}/members", json={"email": newcomer.email}, headers=admin)
    assert as_member.status_code == 201
    assert as_member.json()["role"] == "member"
    promote = await client.patch(
        f"{base}/members/{newcomer.id}", json={"role": "admin"}, headers=admin
    )
    assert promote.status_code == 403
    demote_owner = await client.patch(
        f"{base}/members/{people['owner'].id}", json={"role": "member"}, headers=admin
    )
    assert demote_owner.status_code == 403
    remove_owner = await client.delete(f"{base}/members/{people['owner'].id}", headers=admin)
    assert remove_owner.status_code == 403
    to_viewer = await client.patch(
        f"{base}/members/{newcomer.id}", json={"role": "viewer"}, headers=admin
    )
    assert to_viewer.json()["role"] == "viewer"
    promoted = await client.patch(
        f"{base}/members/{newcomer.id}", json={"role": "owner"}, headers=people["owner"].headers
    )
    assert promoted.json()["role"] == "owner"


async def test_members_list_add_errors(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    base = f"/api/v1/workspaces/{workspace_id}"
    owner = people["owner"].headers
    members = (await client.get(f"{base}/members", headers=owner)).json()["items"]
    assert [m["role"] for m in members] == ["owner", "admin", "member", "viewer"]
    assert all("password_hash" not in m for m in members)
    again = await client.post(
        f"{base}/members", json={"email": people["member"].email}, headers=owner
    )
    assert again.status_code == 409
    unknown = await client.post(
        f"{base}/members", json={"email": "nobody@example.com"}, headers=owner
    )
    assert unknown.status_code == 404
    bad_role = await client.post(
        f"{base}/members", json={"email": people["outsider"].email, "role": "god"}, headers=owner
    )
    assert bad_role.status_code == 422
    not_member = await client.patch(
        f"{base}/members/{people['outsider'].id}", json={"role": "viewer"}, headers=owner
    )
    assert not_member.status_code == 404


async def test_last_owner_cannot_leave_or_be_demoted(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    base = f"/api/v1/workspaces/{workspace_id}"
    owner = people["owner"]
    leave = await client.delete(f"{base}/members/{owner.id}", headers=owner.headers)
    assert leave.status_code == 409
    demote = await client.patch(
        f"{base}/members/{owner.id}", json={"role": "admin"}, headers=owner.headers
    )
    assert demote.status_code == 409
    members = (await client.get(f"{base}/members", headers=owner.headers)).json()["items"]
    assert members[0]["role"] == "owner"
    await client.patch(
        f"{base}/members/{people['admin'].id}", json={"role": "owner"}, headers=owner.headers
    )
    assert (
        await client.delete(f"{base}/members/{owner.id}", headers=owner.headers)
    ).status_code == 204
    assert (await client.get(base, headers=owner.headers)).status_code == 404


async def test_two_owners_demoting_each_other_keep_one_owner(client: httpx.AsyncClient) -> None:
    first = await signup(client)
    workspace_id = await new_workspace(client, first)
    second = await signup(client)
    await add_member(client, workspace_id, first, second, "owner")
    base = f"/api/v1/workspaces/{workspace_id}/members"
    results = await asyncio.gather(
        client.patch(f"{base}/{second.id}", json={"role": "member"}, headers=first.headers),
        client.patch(f"{base}/{first.id}", json={"role": "member"}, headers=second.headers),
    )
    assert sorted(r.status_code for r in results) in ([200, 409], [200, 404], [200, 403])
    members = (await client.get(base, headers=first.headers)).json()
    if "items" not in members:
        members = (await client.get(base, headers=second.headers)).json()
    assert [m["role"] for m in members["items"]].count("owner") == 1


async def test_anyone_can_leave(client: httpx.AsyncClient) -> None:
    workspace_id, people = await team(client)
    viewer = people["viewer"]
    base = f"/api/v1/workspaces/{workspace_id}"
    assert (
        await client.delete(f"{base}/members/{viewer.id}", headers=viewer.headers)
    ).status_code == 204
    assert (await client.get(base, headers=viewer.headers)).status_code == 404
    assert (
        await client.delete(
            f"{base}/members/{people['admin'].id}", headers=people["member"].headers
        )
    ).status_code == 403


async def test_if_match_guards_updates(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    workspace_id = await new_workspace(client, owner)
    url = f"/api/v1/workspaces/{workspace_id}"
    first = await client.patch(url, json={"name": "A"}, headers=owner.headers | {"If-Match": '"1"'})
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"name": "B"}, headers=owner.headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(url, headers=owner.headers)).json()["name"] == "A"
    stale_delete = await client.delete(url, headers=owner.headers | {"If-Match": '"1"'})
    assert stale_delete.status_code == 412
    assert (
        await client.delete(url, headers=owner.headers | {"If-Match": '"2"'})
    ).status_code == 204


async def test_mass_assignment_is_refused(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    sneaky = await client.post(
        "/api/v1/workspaces",
        json={"name": "x", "role": "owner", "id": "fixed"},
        headers=owner.headers,
    )
    assert sneaky.status_code == 422
    workspace_id = await new_workspace(client, owner)
    patch = await client.patch(
        f"/api/v1/workspaces/{workspace_id}", json={"version": 99}, headers=owner.headers
    )
    assert patch.status_code == 422


async def test_anonymous_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/workspaces")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
