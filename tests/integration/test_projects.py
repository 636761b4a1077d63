"""Projects and the workspace activity trail (docs/api.md)."""

from __future__ import annotations

import httpx

from tests.support.workspaces import Account, new_workspace, signup


async def setup(client: httpx.AsyncClient) -> tuple[Account, str]:
    """An owner and their workspace."""
    owner = await signup(client)
    return owner, await new_workspace(client, owner)


async def test_create_read_list_update_delete(client: httpx.AsyncClient) -> None:
    owner, workspace_id = await setup(client)
    base = f"/api/v1/workspaces/{workspace_id}/projects"
    created = await client.post(
        base, json={"name": "Website", "key": "WEB", "description": "d"}, headers=owner.headers
    )
    assert created.status_code == 201
    project = created.json()
    assert project["key"] == "WEB"
    assert project["workspace_id"] == workspace_id
    assert created.headers["location"] == f"/api/v1/projects/{project['id']}"
    url = f"/api/v1/projects/{project['id']}"
    read = await client.get(url, headers=owner.headers)
    assert read.json() == project
    assert read.headers["etag"] == '"1"'
    listed = await client.get(base, headers=owner.headers)
    assert [p["id"] for p in listed.json()["items"]] == [project["id"]]
    updated = await client.patch(
        url, json={"name": "Site"}, headers=owner.headers | {"If-Match": '"1"'}
    )
    assert updated.json()["name"] == "Site"
    assert updated.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"name": "X"}, headers=owner.headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    assert (await client.get(url, headers=owner.headers)).status_code == 404


async def test_keys_are_validated_and_unique_per_workspace(client: httpx.AsyncClient) -> None:
    owner, workspace_id = await setup(client)
    base = f"/api/v1/workspaces/{workspace_id}/projects"
    for bad in ("W", "web", "1AB", "ABCDEFGHIJK", "A-B", "ÄB"):
        response = await client.post(base, json={"name": "x", "key": bad}, headers=owner.headers)
        assert response.status_code == 422, bad
    assert (
        await client.post(base, json={"name": "a", "key": "AB"}, headers=owner.headers)
    ).status_code == 201
    again = await client.post(base, json={"name": "b", "key": "AB"}, headers=owner.headers)
    assert again.status_code == 409
    other = await new_workspace(client, owner, "Other")
    elsewhere = await client.post(
        f"/api/v1/workspaces/{other}/projects",
        json={"name": "a", "key": "AB"},
        headers=owner.headers,
    )
    assert elsewhere.status_code == 201
    key_change = await client.patch(
        f"/api/v1/projects/{elsewhere.json()['id']}", json={"key": "CD"}, headers=owner.headers
    )
    assert key_change.status_code == 422


async def test_activity_records_every_change_newest_first(client: httpx.AsyncClient) -> None:
    owner, workspace_id = await setup(client)
    colleague = await signup(client)
    headers = owner.headers | {"X-Request-ID": "audit-1"}
    await client.post(
        f"/api/v1/workspaces/{workspace_id}/members",
        json={"email": colleague.email, "role": "viewer"},
        headers=headers,
    )
    project = await client.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": "Web", "key": "WEB"},
        headers=headers,
    )
    project_id = project.json()["id"]
    await client.patch(f"/api/v1/projects/{project_id}", json={"name": "Site"}, headers=headers)
    await client.patch(
        f"/api/v1/workspaces/{workspace_id}", json={"name": "Renamed"}, headers=headers
    )
    await client.delete(f"/api/v1/projects/{project_id}", headers=headers)
    trail = (
        await client.get(f"/api/v1/workspaces/{workspace_id}/activity", headers=colleague.headers)
    ).json()["items"]
    summary = [(e["action"], e["entity_type"]) for e in trail]
    assert summary == [
        ("deleted", "project"),
        ("updated", "workspace"),
        ("updated", "project"),
        ("created", "project"),
        ("created", "member"),
        ("created", "member"),
        ("created", "workspace"),
    ]
    assert trail[2]["changes"] == {"name": {"old": "Web", "new": "Site"}}
    assert trail[1]["changes"] == {"name": {"old": "Team", "new": "Renamed"}}
    assert trail[0]["changes"]["key"] == {"old": "WEB", "new": None}
    assert all(e["actor_id"] == owner.id for e in trail)
    assert [e["request_id"] for e in trail[:5]] == ["audit-1"] * 5
    page = await client.get(
        f"/api/v1/workspaces/{workspace_id}/activity", params={"limit": 3}, headers=owner.headers
    )
    second = await client.get(
        f"/api/v1/workspaces/{workspace_id}/activity",
        params={"limit": 3, "cursor": page.json()["next_cursor"]},
        headers=owner.headers,
    )
    assert [e["id"] for e in page.json()["items"] + second.json()["items"]] == [
        e["id"] for e in trail[:6]
    ]


async def test_failed_change_leaves_no_trail(client: httpx.AsyncClient) -> None:
    owner, workspace_id = await setup(client)
    base = f"/api/v1/workspaces/{workspace_id}/projects"
    await client.post(base, json={"name": "a", "key": "AB"}, headers=owner.headers)
    await client.post(base, json={"name": "b", "key": "AB"}, headers=owner.headers)  # 409
    trail = (
        await client.get(f"/api/v1/workspaces/{workspace_id}/activity", headers=owner.headers)
    ).json()
    assert [e["entity_type"] for e in trail["items"]].count("project") == 1
