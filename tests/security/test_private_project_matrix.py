"""Private projects: every API route that reaches a project's resources answers 404 to a
member of the workspace who is not in the private project (docs/api.md, Private projects).

The sweep is the BOLA matrix of tests/security/test_access_matrix.py, replayed by a
workspace member outside the private project instead of a stranger: every route with an
id is in that matrix (its own test fails otherwise), and every route of it is swept here
unless WORKSPACE_LEVEL names it as one that does not reach into a project. So a new route
that forgets the access rule fails here by default, not by someone remembering to add it.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.security.test_access_matrix import BOLA, World, build_world
from tests.support.workspaces import Account, add_member, signup

# Routes of the BOLA matrix that do not reach a project's resources: the workspace itself,
# its members, settings and workspace-wide features, and the caller's own account. Lists
# that span projects are checked for their content below.
WORKSPACE_LEVEL = {
    ("GET", "/api/v1/workspaces/{workspace_id}"),
    ("PATCH", "/api/v1/workspaces/{workspace_id}"),
    ("DELETE", "/api/v1/workspaces/{workspace_id}"),
    ("GET", "/api/v1/workspaces/{workspace_id}/members"),
    ("POST", "/api/v1/workspaces/{workspace_id}/members"),
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"),
    ("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"),
    ("GET", "/api/v1/workspaces/{workspace_id}/projects"),
    ("POST", "/api/v1/workspaces/{workspace_id}/projects"),
    ("GET", "/api/v1/workspaces/{workspace_id}/activity"),
    ("GET", "/api/v1/workspaces/{workspace_id}/tasks"),
    ("GET", "/api/v1/workspaces/{workspace_id}/trash"),
    ("GET", "/api/v1/workspaces/{workspace_id}/events"),
    ("GET", "/api/v1/workspaces/{workspace_id}/events/stream"),
    ("GET", "/api/v1/workspaces/{workspace_id}/invitations"),
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"),
    ("DELETE", "/api/v1/invitations/{invitation_id}"),
    ("GET", "/api/v1/workspaces/{workspace_id}/webhooks"),
    ("POST", "/api/v1/workspaces/{workspace_id}/webhooks"),
    ("GET", "/api/v1/webhooks/{webhook_id}"),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"),
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"),
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"),
    ("GET", "/api/v1/workspaces/{workspace_id}/reports"),
    ("POST", "/api/v1/workspaces/{workspace_id}/reports"),
    ("GET", "/api/v1/reports/{report_id}"),
    ("PATCH", "/api/v1/reports/{report_id}"),
    ("DELETE", "/api/v1/reports/{report_id}"),
    ("GET", "/api/v1/reports/{report_id}/run"),
    ("GET", "/api/v1/reports/{report_id}/deliveries"),
    # Saved views: workspace-level; what a view's run lists is checked below.
    ("GET", "/api/v1/workspaces/{workspace_id}/views"),
    ("POST", "/api/v1/workspaces/{workspace_id}/views"),
    ("GET", "/api/v1/views/{view_id}"),
    ("PATCH", "/api/v1/views/{view_id}"),
    ("DELETE", "/api/v1/views/{view_id}"),
    ("GET", "/api/v1/views/{view_id}/tasks"),
    ("POST", "/api/v1/notifications/{notification_id}/read"),
    ("GET", "/api/v1/workspaces/{workspace_id}/fields"),
    ("POST", "/api/v1/workspaces/{workspace_id}/fields"),
    ("GET", "/api/v1/fields/{field_id}"),
    ("PATCH", "/api/v1/fields/{field_id}"),
    ("DELETE", "/api/v1/fields/{field_id}"),
    ("DELETE", "/api/v1/users/me/tokens/{token_id}"),
    ("GET", "/api/v1/users/{user_id}"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("DELETE", "/api/v1/users/{user_id}"),
}
PROJECT_ROUTES = sorted(BOLA.keys() - WORKSPACE_LEVEL)


async def private_world(client: httpx.AsyncClient) -> tuple[World, Account]:
    """The BOLA world with its project made private and B let into the workspace as a
    member (not into the project); also an insider, a member let into the project."""
    world = await build_world(client)
    await add_member(client, world.workspace_id, world.a, world.b, "member")
    made = await client.patch(
        f"/api/v1/projects/{world.project_id}",
        json={"visibility": "private"},
        headers=world.a.headers,
    )
    assert made.status_code == 200, made.text
    insider = await signup(client, "insider")
    await add_member(client, world.workspace_id, world.a, insider, "member")
    added = await client.post(
        f"/api/v1/projects/{world.project_id}/members",
        json={"user_id": insider.id},
        headers=world.a.headers,
    )
    assert added.status_code == 201, added.text
    return world, insider


def test_the_sweep_covers_the_project_routes() -> None:
    assert not WORKSPACE_LEVEL - BOLA.keys(), sorted(WORKSPACE_LEVEL - BOLA.keys())
    assert ("GET", "/api/v1/tasks/{task_id}") in PROJECT_ROUTES
    assert ("POST", "/api/v1/projects/{project_id}/members") in PROJECT_ROUTES
    assert len(PROJECT_ROUTES) >= 30


async def _seen(client: httpx.AsyncClient, world: World, who: Account) -> dict[str, Any]:
    """What `who` reads of the private project's task and comment."""
    task = await client.get(f"/api/v1/tasks/{world.task_id}", headers=who.headers)
    comments = await client.get(f"/api/v1/tasks/{world.task_id}/comments", headers=who.headers)
    return {"task": task.json(), "comments": comments.json()}


async def test_every_project_route_hides_a_private_project(client: httpx.AsyncClient) -> None:
    world, insider = await private_world(client)
    before = await _seen(client, world, world.a)
    refused = {}
    for method, route in PROJECT_ROUTES:
        attempt, _ = BOLA[(method, route)]
        response = await attempt(client, world)
        refused[(method, route)] = response.status_code
    assert {route: status for route, status in refused.items() if status != 404} == {}
    # Nothing the outsider tried changed anything; the insider and the owner still read it.
    assert await _seen(client, world, world.a) == before
    seen = await _seen(client, world, insider)
    assert seen["task"]["id"] == world.task_id
    assert [c["body"] for c in seen["comments"]["items"]] == ["c"]


def _mentions(body: Any, world: World) -> bool:
    text = str(body)
    return world.project_id in text or world.task_id in text or world.comment_id in text


async def test_lists_leave_a_private_project_out(client: httpx.AsyncClient) -> None:
    world, insider = await private_world(client)
    public = await client.post(
        f"/api/v1/workspaces/{world.workspace_id}/projects",
        json={"name": "Open", "key": "OPEN"},
        headers=world.a.headers,
    )
    assert public.status_code == 201, public.text
    open_task = await client.post(
        f"/api/v1/projects/{public.json()['id']}/tasks",
        json={"title": "t in the open", "assignee_id": world.b.id},
        headers=world.a.headers,
    )
    assert open_task.status_code == 201, open_task.text
    hidden_task = await client.post(
        f"/api/v1/projects/{world.project_id}/tasks",
        json={"title": "t hidden", "assignee_id": insider.id},
        headers=world.a.headers,
    )
    assert hidden_task.status_code == 201, hidden_task.text
    lists = (
        f"/api/v1/workspaces/{world.workspace_id}/projects",
        f"/api/v1/workspaces/{world.workspace_id}/tasks",
        f"/api/v1/workspaces/{world.workspace_id}/tasks?q=t",
        f"/api/v1/workspaces/{world.workspace_id}/activity?limit=100",
        "/api/v1/users/me/tasks",
    )
    for path in lists:
        outsider = await client.get(path, headers=world.b.headers)
        assert outsider.status_code == 200, (path, outsider.text)
        assert not _mentions(outsider.json(), world), path
        assert hidden_task.json()["id"] not in outsider.text, path
        owner = await client.get(path, headers=world.a.headers)
        assert owner.status_code == 200, (path, owner.text)
        if "users/me" not in path:
            assert hidden_task.json()["id"] in owner.text or world.project_id in owner.text, path
    outsider_tasks = await client.get(
        f"/api/v1/workspaces/{world.workspace_id}/tasks", headers=world.b.headers
    )
    assert [t["title"] for t in outsider_tasks.json()["items"]] == ["t in the open"]
    insider_tasks = await client.get("/api/v1/users/me/tasks", headers=insider.headers)
    assert [t["title"] for t in insider_tasks.json()["items"]] == ["t hidden"]
    # A shared view runs as the list does for whoever runs it: hidden tasks left out, and a
    # view of the private project itself is a 404 to those outside it.
    views = f"/api/v1/workspaces/{world.workspace_id}/views"
    everything = await client.post(
        views, json={"name": "all", "shared": True}, headers=world.a.headers
    )
    private_only = await client.post(
        views,
        json={"name": "p", "filters": {"project_id": world.project_id}, "shared": True},
        headers=world.a.headers,
    )
    assert everything.status_code == private_only.status_code == 201, private_only.text
    run = f"/api/v1/views/{everything.json()['id']}/tasks?limit=100"
    outsider_run = await client.get(run, headers=world.b.headers)
    assert outsider_run.status_code == 200
    assert hidden_task.json()["id"] not in outsider_run.text
    assert not _mentions(outsider_run.json(), world)
    assert hidden_task.json()["id"] in (await client.get(run, headers=world.a.headers)).text
    hidden_run = f"/api/v1/views/{private_only.json()['id']}/tasks"
    assert (await client.get(hidden_run, headers=world.b.headers)).status_code == 404
    assert (await client.get(hidden_run, headers=insider.headers)).status_code == 200


async def test_a_deleted_private_projects_trail_stays_hidden(client: httpx.AsyncClient) -> None:
    """Once a private project is deleted, its activity entries (task titles and all) stay
    with the workspace's admins and owners: the outsider never sees them."""
    world, _ = await private_world(client)
    hidden_task = await client.post(
        f"/api/v1/projects/{world.project_id}/tasks",
        json={"title": "t hidden for ever"},
        headers=world.a.headers,
    )
    assert hidden_task.status_code == 201, hidden_task.text
    deleted = await client.delete(f"/api/v1/projects/{world.project_id}", headers=world.a.headers)
    assert deleted.status_code == 204, deleted.text
    feed = f"/api/v1/workspaces/{world.workspace_id}/activity?limit=100"
    outsider = await client.get(feed, headers=world.b.headers)
    assert outsider.status_code == 200, outsider.text
    assert "t hidden for ever" not in outsider.text
    assert world.project_id not in outsider.text
    owner = await client.get(feed, headers=world.a.headers)
    assert "t hidden for ever" in owner.text


async def test_moves_and_dependencies_cannot_reach_a_hidden_project(
    client: httpx.AsyncClient,
) -> None:
    world, _ = await private_world(client)
    public = await client.post(
        f"/api/v1/workspaces/{world.workspace_id}/projects",
        json={"name": "Open", "key": "OPEN"},
        headers=world.a.headers,
    )
    mine = await client.post(
        f"/api/v1/projects/{public.json()['id']}/tasks",
        json={"title": "b's"},
        headers=world.b.headers,
    )
    assert mine.status_code == 201, mine.text
    task_id = mine.json()["id"]
    moved = await client.patch(
        f"/api/v1/tasks/{task_id}", json={"project_id": world.project_id}, headers=world.b.headers
    )
    assert moved.status_code == 422, moved.text
    depends = await client.post(
        f"/api/v1/tasks/{task_id}/dependencies",
        json={"depends_on_id": world.task_id},
        headers=world.b.headers,
    )
    assert depends.status_code == 422, depends.text
    # The same answers as for ids that do not exist at all.
    unknown = "00000000-0000-4000-8000-000000000000"
    for body in ({"project_id": unknown},):
        assert (
            await client.patch(f"/api/v1/tasks/{task_id}", json=body, headers=world.b.headers)
        ).json()["errors"] == moved.json()["errors"]
    after = await client.get(f"/api/v1/tasks/{task_id}", headers=world.b.headers)
    assert after.json()["project_id"] == public.json()["id"]
    assert after.json()["depends_on"] == []
