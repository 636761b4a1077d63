"""OWASP API1 (BOLA) and API5 (BFLA): every route with an id, every role.

The matrices below must name every API route that takes an id; a new route that is not
in them fails `test_every_id_route_is_in_the_matrices`, so access control is decided for
each route on purpose, not by accident.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from smarttask.app import create_app
from smarttask.jobs.models import Job
from smarttask.webhooks.service import DELIVER
from tests.support import make_settings
from tests.support.accounts import app_of
from tests.support.workspaces import PASSWORD, Account, add_member, new_workspace, signup

# Anonymous by design (docs/api.md, Counters): named counters are public.
PUBLIC = {
    ("GET", "/api/v1/counters/{name}"),
    ("POST", "/api/v1/counters/{name}/increment"),
}

# Routes whose allowed answer never ends: an in-process client (httpx's ASGI transport waits
# for the whole body) would hang on them. Their refusals answer at once and are in BOLA below
# (guarded by a timeout); the roles that get in are tested on a real server by the test file
# named here, which reads the stream as it comes.
STREAM = "/api/v1/workspaces/{workspace_id}/events/stream"
COVERED_ELSEWHERE = {
    ("GET", STREAM): "tests/integration/test_live_events.py",
}
# A public address as an IP literal: the webhook URL check (webhooks/targets.py) needs no DNS.
HOOK_URL = "http://93.184.216.34/hooks"
_HOOK = {"url": HOOK_URL, "events": ["task.created"]}


@dataclass
class World:
    """Two tenants: A's resources, and B who tries to reach them."""

    a: Account
    b: Account
    workspace_id: str
    a_member: Account
    a_token_id: str
    project_id: str
    task_id: str = ""
    comment_id: str = ""
    webhook_id: str = ""
    delivery_id: str = ""
    invitation_id: str = ""
    notification_id: str = ""
    state_id: str = ""
    time_entry_id: str = ""
    trashed_id: str = ""
    import_id: str = ""


async def build_world(client: httpx.AsyncClient) -> World:
    """A owns a workspace with a member, an API token, a webhook with a delivery, a pending
    invitation and a notification; B is a stranger."""
    a, b, a_member = await signup(client, "a"), await signup(client, "b"), await signup(client, "m")
    workspace_id = await new_workspace(client, a)
    await add_member(client, workspace_id, a, a_member, "member")
    token = await client.post(
        "/api/v1/users/me/tokens",
        json={"name": "t", "current_password": PASSWORD},
        headers=a.headers,
    )
    project_id = await new_project(client, workspace_id, a)
    world = World(a, b, workspace_id, a_member, token.json()["id"], project_id)
    world.webhook_id = await new_webhook(client, workspace_id, a)
    world.task_id, world.comment_id = await task_with_comment(client, project_id, a)
    world.delivery_id = await first_delivery(client, world.webhook_id, a)
    world.invitation_id = await new_invitation(client, workspace_id, a)
    world.import_id = await new_import(client, project_id, a)
    # The member assigns A a task: A is told (never the one who acted).
    assigned = await client.post(
        f"/api/v1/projects/{project_id}/tasks",
        json={"title": "for a", "assignee_id": a.id},
        headers=a_member.headers,
    )
    assert assigned.status_code == 201, assigned.text
    inbox = await client.get("/api/v1/notifications", headers=a.headers)
    assert inbox.status_code == 200, inbox.text
    world.notification_id = inbox.json()["items"][0]["id"]
    states = await client.get(f"/api/v1/projects/{project_id}/states", headers=a.headers)
    world.state_id = states.json()["items"][0]["id"]
    world.time_entry_id = await time_entry(client, world.task_id, a)
    world.trashed_id = await trashed_task(client, project_id, a)
    return world


async def time_entry(client: httpx.AsyncClient, task_id: str, by: Account) -> str:
    """Minutes logged on a task; the entry's id."""
    entry = await client.post(
        f"/api/v1/tasks/{task_id}/time-entries",
        json={"minutes": 30, "date": "2026-12-01"},
        headers=by.headers,
    )
    assert entry.status_code == 201, entry.text
    entry_id: str = entry.json()["id"]
    return entry_id


async def new_webhook(client: httpx.AsyncClient, workspace_id: str, admin: Account) -> str:
    """A webhook of the workspace for task.created; its id."""
    response = await client.post(
        f"/api/v1/workspaces/{workspace_id}/webhooks", json=_HOOK, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def first_delivery(client: httpx.AsyncClient, webhook_id: str, admin: Account) -> str:
    """The id of a delivery of the webhook (written with the event that caused it)."""
    response = await client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["items"], "no delivery: was the webhook made before the task?"
    return str(response.json()["items"][0]["id"])


async def new_invitation(
    client: httpx.AsyncClient, workspace_id: str, admin: Account, email: str = "invitee@example.com"
) -> str:
    """A pending invitation of `email` as a member; its id."""
    response = await client.post(
        f"/api/v1/workspaces/{workspace_id}/invitations",
        json={"email": email, "role": "member"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def task_with_comment(
    client: httpx.AsyncClient, project_id: str, by: Account
) -> tuple[str, str]:
    """A task WEB-1 in the project with one comment by `by`; their ids."""
    task = await client.post(
        f"/api/v1/projects/{project_id}/tasks", json={"title": "t"}, headers=by.headers
    )
    assert task.status_code == 201, task.text
    comment = await client.post(
        f"/api/v1/tasks/{task.json()['id']}/comments", json={"body": "c"}, headers=by.headers
    )
    assert comment.status_code == 201, comment.text
    return task.json()["id"], comment.json()["id"]


# A file to import: smarttask's own JSON, with no task.
EMPTY_IMPORT = {"format": "smarttask/1", "tasks": []}


async def new_import(client: httpx.AsyncClient, project_id: str, by: Account) -> str:
    """An import of an empty file into the project; its id."""
    response = await client.post(
        f"/api/v1/projects/{project_id}/import", json=EMPTY_IMPORT, headers=by.headers
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def new_project(client: httpx.AsyncClient, workspace_id: str, owner: Account) -> str:
    """A project in the workspace; its id."""
    response = await client.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": "Web", "key": "WEB"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


Call = Callable[[httpx.AsyncClient, World], Awaitable[httpx.Response]]


def call(method: str, path: str, body: dict[str, Any] | None = None) -> Call:
    """B calls `path` (formatted with A's ids) with B's credentials."""

    async def run(client: httpx.AsyncClient, world: World) -> httpx.Response:
        url = path.format(
            workspace_id=world.workspace_id,
            user_id=world.a_member.id,
            token_id=world.a_token_id,
            project_id=world.project_id,
            task_id=world.task_id,
            comment_id=world.comment_id,
            key="WEB-1",
            depends_on_id=world.task_id,
            webhook_id=world.webhook_id,
            delivery_id=world.delivery_id,
            invitation_id=world.invitation_id,
            notification_id=world.notification_id,
            import_id=world.import_id,
            state_id=world.state_id,
            entry_id=world.time_entry_id,
            trashed_id=world.trashed_id,
        )
        request = client.request(method, url, json=body, headers=world.b.headers)
        try:
            # A refusal answers at once; an opened event stream would never end.
            return await asyncio.wait_for(request, timeout=30)
        except TimeoutError:
            raise AssertionError(f"{method} {url} did not answer: B got a stream in?") from None

    return run


# (method, route) -> (B's attempt on A's resource, the status B must get)
BOLA: dict[tuple[str, str], tuple[Call, int]] = {
    ("GET", "/api/v1/workspaces/{workspace_id}"): (
        call("GET", "/api/v1/workspaces/{workspace_id}"),
        404,
    ),
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): (
        call("PATCH", "/api/v1/workspaces/{workspace_id}", {"name": "pwned"}),
        404,
    ),
    ("DELETE", "/api/v1/workspaces/{workspace_id}"): (
        call("DELETE", "/api/v1/workspaces/{workspace_id}"),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/members"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/members"),
        404,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/members"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/members", {"email": "x@example.com"}),
        404,
    ),
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): (
        call("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}", {"role": "viewer"}),
        404,
    ),
    ("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): (
        call("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/projects"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/projects"),
        404,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/projects"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/projects", {"name": "x", "key": "PWN"}),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/activity"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/activity"),
        404,
    ),
    ("GET", "/api/v1/projects/{project_id}"): (call("GET", "/api/v1/projects/{project_id}"), 404),
    ("PATCH", "/api/v1/projects/{project_id}"): (
        call("PATCH", "/api/v1/projects/{project_id}", {"name": "pwned"}),
        404,
    ),
    ("DELETE", "/api/v1/projects/{project_id}"): (
        call("DELETE", "/api/v1/projects/{project_id}"),
        404,
    ),
    ("GET", "/api/v1/projects/{project_id}/tasks"): (
        call("GET", "/api/v1/projects/{project_id}/tasks"),
        404,
    ),
    ("POST", "/api/v1/projects/{project_id}/tasks"): (
        call("POST", "/api/v1/projects/{project_id}/tasks", {"title": "pwned"}),
        404,
    ),
    ("GET", "/api/v1/projects/{project_id}/tasks/counts"): (
        call("GET", "/api/v1/projects/{project_id}/tasks/counts"),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/tasks"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/tasks"),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/tasks/by-key/{key}"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/tasks/by-key/{key}"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}"): (call("GET", "/api/v1/tasks/{task_id}"), 404),
    ("PATCH", "/api/v1/tasks/{task_id}"): (
        call("PATCH", "/api/v1/tasks/{task_id}", {"title": "pwned"}),
        404,
    ),
    ("DELETE", "/api/v1/tasks/{task_id}"): (call("DELETE", "/api/v1/tasks/{task_id}"), 404),
    ("POST", "/api/v1/tasks/{task_id}/dependencies"): (
        call("POST", "/api/v1/tasks/{task_id}/dependencies", {"depends_on_id": "x"}),
        404,
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/dependencies/{depends_on_id}"): (
        call("DELETE", "/api/v1/tasks/{task_id}/dependencies/{depends_on_id}"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/comments"): (
        call("GET", "/api/v1/tasks/{task_id}/comments"),
        404,
    ),
    ("POST", "/api/v1/tasks/{task_id}/comments"): (
        call("POST", "/api/v1/tasks/{task_id}/comments", {"body": "pwned"}),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/activity"): (
        call("GET", "/api/v1/tasks/{task_id}/activity"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/dependencies"): (
        call("GET", "/api/v1/tasks/{task_id}/dependencies"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/subtasks"): (
        call("GET", "/api/v1/tasks/{task_id}/subtasks"),
        404,
    ),
    ("PATCH", "/api/v1/comments/{comment_id}"): (
        call("PATCH", "/api/v1/comments/{comment_id}", {"body": "pwned"}),
        404,
    ),
    ("DELETE", "/api/v1/comments/{comment_id}"): (
        call("DELETE", "/api/v1/comments/{comment_id}"),
        404,
    ),
    ("DELETE", "/api/v1/users/me/tokens/{token_id}"): (
        call("DELETE", "/api/v1/users/me/tokens/{token_id}"),
        404,
    ),
    ("GET", "/api/v1/projects/{project_id}/export"): (
        call("GET", "/api/v1/projects/{project_id}/export"),
        404,
    ),
    ("POST", "/api/v1/projects/{project_id}/import"): (
        call("POST", "/api/v1/projects/{project_id}/import", EMPTY_IMPORT),
        404,
    ),
    ("GET", "/api/v1/projects/{project_id}/imports"): (
        call("GET", "/api/v1/projects/{project_id}/imports"),
        404,
    ),
    ("GET", "/api/v1/imports/{import_id}"): (call("GET", "/api/v1/imports/{import_id}"), 404),
    # Instance-administrator routes: a plain user is refused by function, not by object.
    ("GET", "/api/v1/users/{user_id}"): (call("GET", "/api/v1/users/{user_id}"), 403),
    ("PATCH", "/api/v1/users/{user_id}"): (
        call("PATCH", "/api/v1/users/{user_id}", {"is_active": False}),
        403,
    ),
    ("DELETE", "/api/v1/users/{user_id}"): (call("DELETE", "/api/v1/users/{user_id}"), 403),
}


def id_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the API that takes a path parameter."""
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{" in path
        for method in operations
    }
    assert found, "no route found: the enumeration is broken"
    return found


def test_every_id_route_is_in_the_matrices() -> None:
    uncovered = id_routes() - BOLA.keys() - PUBLIC
    assert not uncovered, f"decide access control for: {sorted(uncovered)}"


def test_routes_covered_elsewhere_are_tested_there() -> None:
    """Each route left out of a matrix exists, and its test file calls it."""
    root = Path(__file__).resolve().parents[2]
    assert COVERED_ELSEWHERE.keys() <= id_routes()
    for (_, route), test_file in COVERED_ELSEWHERE.items():
        source = (root / test_file).read_text()
        suffix = route.rsplit("}", 1)[-1]  # "/events/stream": the files build their URLs
        assert suffix in source, (route, test_file)
        assert "404" in source, f"{test_file} does not test a refusal of {route}"


async def a_view(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """What A sees of its webhook, deliveries, invitations, watch and inbox, and the queued
    delivery attempts: B's attempts must change none of it."""
    paths = (
        f"/api/v1/webhooks/{world.webhook_id}",
        f"/api/v1/webhooks/{world.webhook_id}/deliveries",
        f"/api/v1/workspaces/{world.workspace_id}/webhooks",
        f"/api/v1/workspaces/{world.workspace_id}/invitations",
        f"/api/v1/workspaces/{world.workspace_id}/events",
        f"/api/v1/tasks/{world.task_id}/watch",
        "/api/v1/notifications",
        f"/api/v1/workspaces/{world.workspace_id}/trash",
    )
    view: dict[str, Any] = {}
    for path in paths:
        response = await client.get(path, headers=world.a.headers)
        assert response.status_code == 200, (path, response.text)
        view[path] = response.json()
    async with app_of(client).state.database.session() as session:
        attempts = select(func.count()).select_from(Job).where(Job.kind == DELIVER)
        view["delivery jobs"] = await session.scalar(attempts)
    return view


async def test_other_tenants_resources_do_not_exist(client: httpx.AsyncClient) -> None:
    world = await build_world(client)
    before = await a_view(client, world)
    assert before[f"/api/v1/tasks/{world.task_id}/watch"]["watching"] is True
    assert [n["read_at"] for n in before["/api/v1/notifications"]["items"]] == [None]
    for (method, route), (attempt, expected) in BOLA.items():
        response = await attempt(client, world)
        assert response.status_code == expected, (method, route, response.text)
    # Nothing B tried changed anything of A's.
    workspace = await client.get(
        f"/api/v1/workspaces/{world.workspace_id}", headers=world.a.headers
    )
    assert workspace.json()["name"] == "Team"
    assert workspace.json()["version"] == 1
    members = await client.get(
        f"/api/v1/workspaces/{world.workspace_id}/members", headers=world.a.headers
    )
    assert [m["role"] for m in members.json()["items"]] == ["owner", "member"]
    project = await client.get(f"/api/v1/projects/{world.project_id}", headers=world.a.headers)
    assert project.json()["name"] == "Web"
    assert project.json()["version"] == 1
    task = await client.get(f"/api/v1/tasks/{world.task_id}", headers=world.a.headers)
    assert (task.json()["title"], task.json()["version"]) == ("t", 1)
    comments = await client.get(f"/api/v1/tasks/{world.task_id}/comments", headers=world.a.headers)
    assert [c["body"] for c in comments.json()["items"]] == ["c"]
    tokens = await client.get("/api/v1/users/me/tokens", headers=world.a.headers)
    assert [t["id"] for t in tokens.json()["items"]] == [world.a_token_id]
    me = await client.get("/api/v1/users/me", headers=world.a_member.headers)
    assert me.json()["is_active"] is True
    assert await a_view(client, world) == before


async def test_unknown_ids_look_like_other_tenants_ids(client: httpx.AsyncClient) -> None:
    b = await signup(client)
    for path in ("/api/v1/workspaces/{}", "/api/v1/workspaces/{}/members"):
        real = await signup(client)
        theirs = await new_workspace(client, real)
        unknown = await client.get(
            path.format("00000000-0000-4000-8000-000000000000"), headers=b.headers
        )
        foreign = await client.get(path.format(theirs), headers=b.headers)
        assert unknown.status_code == foreign.status_code == 404
        assert unknown.json()["detail"] == foreign.json()["detail"]


# Workspace routes x roles: the status each role gets. Roles are tried from the lowest up, so
# refused attempts change nothing and the first allowed one acts on an untouched workspace.
ROLES = ("viewer", "member", "admin", "owner")


@dataclass
class Team:
    """A workspace with one account per role, a project, a member to act on, a newcomer."""

    workspace_id: str
    project_id: str
    people: dict[str, Account]
    task_id: str = ""
    other_task_id: str = ""
    comment_id: str = ""
    webhook_id: str = ""
    delivery_id: str = ""
    invitation_id: str = ""
    state_id: str = ""
    field_id: str = ""
    time_entry_id: str = ""
    trashed_id: str = ""
    view_id: str = ""
    import_id: str = ""
    role: str = "viewer"


Build = Callable[[Team], tuple[str, Any]]
ALL_200 = {"viewer": 200, "member": 200, "admin": 200, "owner": 200}
ADMINS = {"viewer": 403, "member": 403, "admin": 200, "owner": 200}
BFLA: dict[tuple[str, str], tuple[Build, dict[str, int]]] = {
    ("GET", "/api/v1/workspaces/{workspace_id}"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}", None),
        ALL_200,
    ),
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}", {"name": "Renamed"}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/workspaces/{workspace_id}"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}", None),
        {"viewer": 403, "member": 403, "admin": 403, "owner": 204},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/members"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/members", None),
        ALL_200,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/members"): (
        lambda t: (
            f"/api/v1/workspaces/{t.workspace_id}/members",
            {"email": t.people["newcomer"].email, "role": "viewer"},
        ),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 409},
    ),
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): (
        lambda t: (
            f"/api/v1/workspaces/{t.workspace_id}/members/{t.people['target'].id}",
            {"role": "viewer"},
        ),
        ADMINS,
    ),
    ("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/members/{t.people['target'].id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/activity"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/activity", None),
        ALL_200,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/projects"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/projects", None),
        ALL_200,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/projects"): (
        lambda t: (
            f"/api/v1/workspaces/{t.workspace_id}/projects",
            {"name": "New", "key": t.role.upper()[:6]},
        ),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/projects/{project_id}"): (
        lambda t: (f"/api/v1/projects/{t.project_id}", None),
        ALL_200,
    ),
    ("PATCH", "/api/v1/projects/{project_id}"): (
        lambda t: (f"/api/v1/projects/{t.project_id}", {"name": f"By {t.role}"}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/projects/{project_id}"): (
        lambda t: (f"/api/v1/projects/{t.project_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
}


MEMBERS = {"viewer": 403, "member": 200, "admin": 200, "owner": 200}
BFLA |= {
    ("GET", "/api/v1/projects/{project_id}/tasks"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/tasks", None),
        ALL_200,
    ),
    ("POST", "/api/v1/projects/{project_id}/tasks"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/tasks", {"title": f"by {t.role}"}),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/projects/{project_id}/tasks/counts"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/tasks/counts", None),
        ALL_200,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/tasks"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/tasks", None),
        ALL_200,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/tasks/by-key/{key}"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/tasks/by-key/WEB-1", None),
        ALL_200,
    ),
    ("GET", "/api/v1/tasks/{task_id}"): (lambda t: (f"/api/v1/tasks/{t.task_id}", None), ALL_200),
    ("PATCH", "/api/v1/tasks/{task_id}"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}", {"title": f"by {t.role}"}),
        MEMBERS,
    ),
    ("DELETE", "/api/v1/tasks/{task_id}"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}", None),
        {"viewer": 403, "member": 204, "admin": 404, "owner": 404},
    ),
    ("POST", "/api/v1/tasks/{task_id}/dependencies"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/dependencies", {"depends_on_id": t.other_task_id}),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/dependencies/{depends_on_id}"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/dependencies/{t.other_task_id}", None),
        {"viewer": 403, "member": 204, "admin": 404, "owner": 404},
    ),
    ("GET", "/api/v1/tasks/{task_id}/comments"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/comments", None),
        ALL_200,
    ),
    ("POST", "/api/v1/tasks/{task_id}/comments"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/comments", {"body": "hi"}),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/tasks/{task_id}/activity"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/activity", None),
        ALL_200,
    ),
    ("GET", "/api/v1/tasks/{task_id}/dependencies"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/dependencies", None),
        ALL_200,
    ),
    ("GET", "/api/v1/tasks/{task_id}/subtasks"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/subtasks", None),
        ALL_200,
    ),
    # The comment is the member's: only its author edits it; admins may delete it.
    ("PATCH", "/api/v1/comments/{comment_id}"): (
        lambda t: (f"/api/v1/comments/{t.comment_id}", {"body": f"by {t.role}"}),
        {"viewer": 403, "member": 200, "admin": 403, "owner": 403},
    ),
    ("DELETE", "/api/v1/comments/{comment_id}"): (
        lambda t: (f"/api/v1/comments/{t.comment_id}", None),
        {"viewer": 403, "member": 204, "admin": 404, "owner": 404},
    ),
}


# Attachments (docs/api.md): B never reaches A's, whether by task or by attachment id.
_FILE = {"filename": "a.txt", "content_type": "text/plain", "size": 1}


def on_attachment(method: str, suffix: str = "") -> Call:
    """A creates an attachment on its task; B calls `method` on it."""

    async def run(client: httpx.AsyncClient, world: World) -> httpx.Response:
        created = await client.post(
            f"/api/v1/tasks/{world.task_id}/attachments", json=_FILE, headers=world.a.headers
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/attachments/{created.json()['id']}{suffix}"
        return await client.request(method, url, headers=world.b.headers)

    return run


BOLA |= {
    ("GET", "/api/v1/tasks/{task_id}/attachments"): (
        call("GET", "/api/v1/tasks/{task_id}/attachments"),
        404,
    ),
    ("POST", "/api/v1/tasks/{task_id}/attachments"): (
        call("POST", "/api/v1/tasks/{task_id}/attachments", _FILE),
        404,
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): (on_attachment("GET"), 404),
    ("DELETE", "/api/v1/attachments/{attachment_id}"): (on_attachment("DELETE"), 404),
    ("POST", "/api/v1/attachments/{attachment_id}/complete"): (
        on_attachment("POST", "/complete"),
        404,
    ),
}
BFLA |= {
    ("GET", "/api/v1/tasks/{task_id}/attachments"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/attachments", None),
        ALL_200,
    ),
    ("POST", "/api/v1/tasks/{task_id}/attachments"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/attachments", _FILE),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
}

# AI analysis (docs/api.md): members request (it costs tokens), viewers read. A fresh
# team has no analysis yet, so every role reaches GET and hears "never requested" (404);
# tests/integration/test_analysis.py reads a finished one as a viewer.
BOLA |= {
    ("POST", "/api/v1/tasks/{task_id}/analysis"): (
        call("POST", "/api/v1/tasks/{task_id}/analysis"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/analysis"): (
        call("GET", "/api/v1/tasks/{task_id}/analysis"),
        404,
    ),
}
BFLA |= {
    ("POST", "/api/v1/tasks/{task_id}/analysis"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/analysis", None),
        {"viewer": 403, "member": 202, "admin": 202, "owner": 202},
    ),
    ("GET", "/api/v1/tasks/{task_id}/analysis"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/analysis", None),
        {"viewer": 404, "member": 404, "admin": 404, "owner": 404},
    ),
}


# Saved reports (docs/reports.md): B never reaches A's, by workspace or by report id; members
# save them, every role lists and reads the shared ones.
_REPORT = {"name": "r", "definition": {"metrics": ["created"]}, "visibility": "workspace"}


def on_report(method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Call:
    """A saves a shared report in its workspace; B calls `method` on it."""

    async def run(client: httpx.AsyncClient, world: World) -> httpx.Response:
        created = await client.post(
            f"/api/v1/workspaces/{world.workspace_id}/reports",
            json=_REPORT,
            headers=world.a.headers,
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/reports/{created.json()['id']}{suffix}"
        return await client.request(method, url, json=body, headers=world.b.headers)

    return run


BOLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/reports"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/reports"),
        404,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/reports"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/reports", _REPORT),
        404,
    ),
    ("GET", "/api/v1/reports/{report_id}"): (on_report("GET"), 404),
    ("PATCH", "/api/v1/reports/{report_id}"): (on_report("PATCH", body={"name": "pwned"}), 404),
    ("DELETE", "/api/v1/reports/{report_id}"): (on_report("DELETE"), 404),
    ("GET", "/api/v1/reports/{report_id}/run"): (on_report("GET", "/run"), 404),
    ("GET", "/api/v1/reports/{report_id}/deliveries"): (on_report("GET", "/deliveries"), 404),
}
BFLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/reports"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/reports", None),
        ALL_200,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/reports"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/reports", _REPORT),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
}


# Invitations, webhooks, live events, watching (issue 17). B never reaches A's: not by
# workspace, not by invitation, webhook or delivery id, not A's notifications.
_INVITE = {"email": "intruder@example.com", "role": "admin"}
BOLA |= {
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/invitations", _INVITE),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/invitations"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/invitations"),
        404,
    ),
    ("DELETE", "/api/v1/invitations/{invitation_id}"): (
        call("DELETE", "/api/v1/invitations/{invitation_id}"),
        404,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/webhooks"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/webhooks", _HOOK),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/webhooks"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/webhooks"),
        404,
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}"): (call("GET", "/api/v1/webhooks/{webhook_id}"), 404),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): (
        call("PATCH", "/api/v1/webhooks/{webhook_id}", {"url": "http://93.184.216.35/x"}),
        404,
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): (
        call("DELETE", "/api/v1/webhooks/{webhook_id}"),
        404,
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): (
        call("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"),
        404,
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): (
        call("GET", "/api/v1/webhooks/{webhook_id}/deliveries"),
        404,
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (
        call("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/events"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/events"),
        404,
    ),
    # Refused before the stream opens, so it answers in-process (COVERED_ELSEWHERE: members).
    ("GET", STREAM): (call("GET", STREAM), 404),
    ("GET", "/api/v1/tasks/{task_id}/watch"): (call("GET", "/api/v1/tasks/{task_id}/watch"), 404),
    ("POST", "/api/v1/tasks/{task_id}/watch"): (
        call("POST", "/api/v1/tasks/{task_id}/watch"),
        404,
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/watch"): (
        call("DELETE", "/api/v1/tasks/{task_id}/watch"),
        404,
    ),
    ("POST", "/api/v1/notifications/{notification_id}/read"): (
        call("POST", "/api/v1/notifications/{notification_id}/read"),
        404,
    ),
}
BFLA |= {
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"): (
        lambda t: (
            f"/api/v1/workspaces/{t.workspace_id}/invitations",
            {"email": f"{t.role}-invites@example.com", "role": "member"},
        ),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/invitations"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/invitations", None),
        ADMINS,
    ),
    ("DELETE", "/api/v1/invitations/{invitation_id}"): (
        lambda t: (f"/api/v1/invitations/{t.invitation_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/webhooks"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/webhooks", _HOOK),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/webhooks"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/webhooks", None),
        ADMINS,
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}", None),
        ADMINS,
    ),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}", {"events": ["task.updated"]}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}/rotate-secret", None),
        ADMINS,
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}/deliveries", None),
        ADMINS,
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (
        lambda t: (f"/api/v1/webhooks/{t.webhook_id}/deliveries/{t.delivery_id}/redeliver", None),
        {"viewer": 403, "member": 403, "admin": 202, "owner": 202},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/events"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/events", None),
        ALL_200,
    ),
    ("GET", "/api/v1/tasks/{task_id}/watch"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/watch", None),
        ALL_200,
    ),
    ("POST", "/api/v1/tasks/{task_id}/watch"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/watch", None),
        ALL_200,
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/watch"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/watch", None),
        {"viewer": 204, "member": 204, "admin": 204, "owner": 204},
    ),
}


# Project members (issue 18, private projects): B never reaches A's; anyone who sees the
# project lists them, admins and owners add and remove (the team's target is one already).
BOLA |= {
    ("GET", "/api/v1/projects/{project_id}/members"): (
        call("GET", "/api/v1/projects/{project_id}/members"),
        404,
    ),
    ("POST", "/api/v1/projects/{project_id}/members"): (
        call("POST", "/api/v1/projects/{project_id}/members", {"user_id": "x"}),
        404,
    ),
    ("DELETE", "/api/v1/projects/{project_id}/members/{user_id}"): (
        call("DELETE", "/api/v1/projects/{project_id}/members/{user_id}"),
        404,
    ),
}
BFLA |= {
    ("GET", "/api/v1/projects/{project_id}/members"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/members", None),
        ALL_200,
    ),
    ("POST", "/api/v1/projects/{project_id}/members"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/members", {"user_id": t.people["viewer"].id}),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 409},
    ),
    ("DELETE", "/api/v1/projects/{project_id}/members/{user_id}"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/members/{t.people['target'].id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
}


# Planning (docs/planning.md): workflow states and moving cards.
BOLA |= {
    ("GET", "/api/v1/projects/{project_id}/states"): (
        call("GET", "/api/v1/projects/{project_id}/states"),
        404,
    ),
    ("POST", "/api/v1/projects/{project_id}/states"): (
        call("POST", "/api/v1/projects/{project_id}/states", {"name": "x", "category": "todo"}),
        404,
    ),
    ("GET", "/api/v1/states/{state_id}"): (call("GET", "/api/v1/states/{state_id}"), 404),
    ("PATCH", "/api/v1/states/{state_id}"): (
        call("PATCH", "/api/v1/states/{state_id}", {"name": "pwned"}),
        404,
    ),
    ("DELETE", "/api/v1/states/{state_id}"): (call("DELETE", "/api/v1/states/{state_id}"), 404),
    ("POST", "/api/v1/tasks/{task_id}/move"): (
        call("POST", "/api/v1/tasks/{task_id}/move", {}),
        404,
    ),
}
BFLA |= {
    ("GET", "/api/v1/projects/{project_id}/states"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/states", None),
        ALL_200,
    ),
    ("POST", "/api/v1/projects/{project_id}/states"): (
        lambda t: (
            f"/api/v1/projects/{t.project_id}/states",
            {"name": f"By {t.role}", "category": "todo"},
        ),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/states/{state_id}"): (
        lambda t: (f"/api/v1/states/{t.state_id}", None),
        ALL_200,
    ),
    ("PATCH", "/api/v1/states/{state_id}"): (
        lambda t: (f"/api/v1/states/{t.state_id}", {"name": f"By {t.role}"}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/states/{state_id}"): (
        lambda t: (f"/api/v1/states/{t.state_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
    ("POST", "/api/v1/tasks/{task_id}/move"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/move", {}),
        MEMBERS,
    ),
}


# Custom fields (issue 19): admins manage a workspace's fields, everyone in it reads them.
_FIELD = {"name": "Points", "type": "number"}


async def new_field(client: httpx.AsyncClient, workspace_id: str, admin: Account) -> str:
    """A number field of the workspace; its id."""
    response = await client.post(
        f"/api/v1/workspaces/{workspace_id}/fields", json=_FIELD, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def on_field(method: str, body: dict[str, Any] | None = None) -> Call:
    """A adds a field to its workspace; B calls `method` on it."""

    async def run(client: httpx.AsyncClient, world: World) -> httpx.Response:
        field_id = await new_field(client, world.workspace_id, world.a)
        url = f"/api/v1/fields/{field_id}"
        return await client.request(method, url, json=body, headers=world.b.headers)

    return run


BOLA |= {
    ("POST", "/api/v1/workspaces/{workspace_id}/fields"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/fields", _FIELD),
        404,
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/fields"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/fields"),
        404,
    ),
    ("GET", "/api/v1/fields/{field_id}"): (on_field("GET"), 404),
    ("PATCH", "/api/v1/fields/{field_id}"): (on_field("PATCH", {"name": "pwned"}), 404),
    ("DELETE", "/api/v1/fields/{field_id}"): (on_field("DELETE"), 404),
}
BFLA |= {
    ("POST", "/api/v1/workspaces/{workspace_id}/fields"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/fields", _FIELD),
        {"viewer": 403, "member": 403, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/workspaces/{workspace_id}/fields"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/fields", None),
        ALL_200,
    ),
    ("GET", "/api/v1/fields/{field_id}"): (
        lambda t: (f"/api/v1/fields/{t.field_id}", None),
        ALL_200,
    ),
    ("PATCH", "/api/v1/fields/{field_id}"): (
        lambda t: (f"/api/v1/fields/{t.field_id}", {"name": f"by {t.role}"}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/fields/{field_id}"): (
        lambda t: (f"/api/v1/fields/{t.field_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
}


# Recurring tasks and time tracking (issue 19): B never reaches A's tasks' entries or
# timers; viewers read time, members log it, an entry is changed by its author or an admin.
_MINUTES = {"minutes": 30, "date": "2026-12-01"}
BOLA |= {
    ("POST", "/api/v1/tasks/{task_id}/recurrence/skip"): (
        call("POST", "/api/v1/tasks/{task_id}/recurrence/skip"),
        404,
    ),
    ("GET", "/api/v1/tasks/{task_id}/time-entries"): (
        call("GET", "/api/v1/tasks/{task_id}/time-entries"),
        404,
    ),
    ("POST", "/api/v1/tasks/{task_id}/time-entries"): (
        call("POST", "/api/v1/tasks/{task_id}/time-entries", _MINUTES),
        404,
    ),
    ("POST", "/api/v1/tasks/{task_id}/timer"): (call("POST", "/api/v1/tasks/{task_id}/timer"), 404),
    ("DELETE", "/api/v1/tasks/{task_id}/timer"): (
        call("DELETE", "/api/v1/tasks/{task_id}/timer"),
        404,
    ),
    ("GET", "/api/v1/time-entries/{entry_id}"): (
        call("GET", "/api/v1/time-entries/{entry_id}"),
        404,
    ),
    ("PATCH", "/api/v1/time-entries/{entry_id}"): (
        call("PATCH", "/api/v1/time-entries/{entry_id}", {"minutes": 1}),
        404,
    ),
    ("DELETE", "/api/v1/time-entries/{entry_id}"): (
        call("DELETE", "/api/v1/time-entries/{entry_id}"),
        404,
    ),
}
BFLA |= {
    # The task does not repeat: whoever may write it gets the 422 that says so.
    ("POST", "/api/v1/tasks/{task_id}/recurrence/skip"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/recurrence/skip", None),
        {"viewer": 403, "member": 422, "admin": 422, "owner": 422},
    ),
    ("GET", "/api/v1/tasks/{task_id}/time-entries"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/time-entries", None),
        ALL_200,
    ),
    ("POST", "/api/v1/tasks/{task_id}/time-entries"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/time-entries", _MINUTES),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
    ("POST", "/api/v1/tasks/{task_id}/timer"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/timer", None),
        {"viewer": 403, "member": 200, "admin": 201, "owner": 201},  # the member's runs
    ),
    ("DELETE", "/api/v1/tasks/{task_id}/timer"): (
        lambda t: (f"/api/v1/tasks/{t.task_id}/timer", None),
        {"viewer": 403, "member": 200, "admin": 404, "owner": 404},  # only the member's runs
    ),
    ("GET", "/api/v1/time-entries/{entry_id}"): (
        lambda t: (f"/api/v1/time-entries/{t.time_entry_id}", None),
        ALL_200,
    ),
    ("PATCH", "/api/v1/time-entries/{entry_id}"): (
        lambda t: (f"/api/v1/time-entries/{t.time_entry_id}", {"note": f"by {t.role}"}),
        {"viewer": 403, "member": 200, "admin": 200, "owner": 200},  # the member's entry
    ),
    ("DELETE", "/api/v1/time-entries/{entry_id}"): (
        lambda t: (f"/api/v1/time-entries/{t.time_entry_id}", None),
        {"viewer": 403, "member": 204, "admin": 404, "owner": 404},
    ),
}


# The trash (docs/planning.md): B never lists, restores or purges A's deleted tasks; every
# role lists, members restore, admins delete for good.
async def trashed_task(client: httpx.AsyncClient, project_id: str, by: Account) -> str:
    """A task of the project, deleted (in the trash); its id."""
    task = await client.post(
        f"/api/v1/projects/{project_id}/tasks", json={"title": "binned"}, headers=by.headers
    )
    assert task.status_code == 201, task.text
    deleted = await client.delete(f"/api/v1/tasks/{task.json()['id']}", headers=by.headers)
    assert deleted.status_code == 204, deleted.text
    return str(task.json()["id"])


BOLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/trash"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/trash"),
        404,
    ),
    ("POST", "/api/v1/tasks/{task_id}/restore"): (
        call("POST", "/api/v1/tasks/{trashed_id}/restore"),
        404,
    ),
    ("DELETE", "/api/v1/trash/{task_id}"): (call("DELETE", "/api/v1/trash/{trashed_id}"), 404),
}
BFLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/trash"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/trash", None),
        ALL_200,
    ),
    ("POST", "/api/v1/tasks/{task_id}/restore"): (
        lambda t: (f"/api/v1/tasks/{t.trashed_id}/restore", None),
        {"viewer": 403, "member": 200, "admin": 404, "owner": 404},
    ),
    ("DELETE", "/api/v1/trash/{task_id}"): (
        lambda t: (f"/api/v1/trash/{t.trashed_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
}


# Saved views (issue 19): B never reaches A's, not by workspace nor by view id. A shared
# view (here a member's): every role reads and runs it; admins and owners change it, other
# members may not; viewers keep personal views only (sharing: 403).
_VIEW = {"name": "Team view", "filters": {"status": ["todo"]}, "shared": True}


def on_view(method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Call:
    """A saves a shared view in its workspace; B calls `method` on it."""

    async def run(client: httpx.AsyncClient, world: World) -> httpx.Response:
        created = await client.post(
            f"/api/v1/workspaces/{world.workspace_id}/views", json=_VIEW, headers=world.a.headers
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/views/{created.json()['id']}{suffix}"
        return await client.request(method, url, json=body, headers=world.b.headers)

    return run


BOLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/views"): (
        call("GET", "/api/v1/workspaces/{workspace_id}/views"),
        404,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/views"): (
        call("POST", "/api/v1/workspaces/{workspace_id}/views", {"name": "mine"}),
        404,
    ),
    ("GET", "/api/v1/views/{view_id}"): (on_view("GET"), 404),
    ("PATCH", "/api/v1/views/{view_id}"): (on_view("PATCH", body={"name": "pwned"}), 404),
    ("DELETE", "/api/v1/views/{view_id}"): (on_view("DELETE"), 404),
    ("GET", "/api/v1/views/{view_id}/tasks"): (on_view("GET", "/tasks"), 404),
}
BFLA |= {
    ("GET", "/api/v1/workspaces/{workspace_id}/views"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/views", None),
        ALL_200,
    ),
    ("POST", "/api/v1/workspaces/{workspace_id}/views"): (
        lambda t: (f"/api/v1/workspaces/{t.workspace_id}/views", _VIEW),
        {"viewer": 403, "member": 201, "admin": 201, "owner": 201},
    ),
    ("GET", "/api/v1/views/{view_id}"): (lambda t: (f"/api/v1/views/{t.view_id}", None), ALL_200),
    ("PATCH", "/api/v1/views/{view_id}"): (
        lambda t: (f"/api/v1/views/{t.view_id}", {"name": f"by {t.role}"}),
        ADMINS,
    ),
    ("DELETE", "/api/v1/views/{view_id}"): (
        lambda t: (f"/api/v1/views/{t.view_id}", None),
        {"viewer": 403, "member": 403, "admin": 204, "owner": 404},
    ),
    ("GET", "/api/v1/views/{view_id}/tasks"): (
        lambda t: (f"/api/v1/views/{t.view_id}/tasks", None),
        ALL_200,
    ),
}


BFLA |= {
    ("GET", "/api/v1/projects/{project_id}/export"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/export", None),
        ALL_200,
    ),
    ("POST", "/api/v1/projects/{project_id}/import"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/import", EMPTY_IMPORT),
        {"viewer": 403, "member": 202, "admin": 202, "owner": 202},
    ),
    ("GET", "/api/v1/projects/{project_id}/imports"): (
        lambda t: (f"/api/v1/projects/{t.project_id}/imports", None),
        ALL_200,
    ),
    ("GET", "/api/v1/imports/{import_id}"): (
        lambda t: (f"/api/v1/imports/{t.import_id}", None),
        ALL_200,
    ),
}


def test_every_workspace_route_is_in_the_role_matrix() -> None:
    tenant_scoped = (
        "/api/v1/workspaces/",
        "/api/v1/projects/",
        "/api/v1/tasks/",
        "/api/v1/comments/",
        # A webhook, an invitation and a custom field belong to one workspace: its roles decide.
        "/api/v1/time-entries/",
        # A webhook and an invitation belong to one workspace: its roles decide.
        # A webhook, an invitation and a saved view belong to one workspace: its roles decide.
        "/api/v1/webhooks/",
        "/api/v1/fields/",
        "/api/v1/invitations/",
        "/api/v1/imports/",
        # A workflow state belongs to one project.
        "/api/v1/states/",
        "/api/v1/trash/",
        "/api/v1/views/",
    )
    scoped = {r for r in id_routes() if r[1].startswith(tenant_scoped)} - COVERED_ELSEWHERE.keys()
    assert scoped == set(BFLA), sorted(scoped ^ set(BFLA))


async def build_team(client: httpx.AsyncClient) -> Team:
    """A fresh workspace with every role."""
    people = {"owner": await signup(client, "owner")}
    workspace_id = await new_workspace(client, people["owner"])
    for role in ("admin", "member", "viewer", "target"):
        people[role] = await signup(client, role)
        member_role = "member" if role == "target" else role
        await add_member(client, workspace_id, people["owner"], people[role], member_role)
    people["newcomer"] = await signup(client, "newcomer")
    project_id = await new_project(client, workspace_id, people["owner"])
    team = Team(workspace_id, project_id, people)
    team.webhook_id = await new_webhook(client, workspace_id, people["owner"])
    team.invitation_id = await new_invitation(client, workspace_id, people["owner"])
    team.import_id = await new_import(client, project_id, people["member"])
    team.field_id = await new_field(client, workspace_id, people["owner"])
    team.task_id, team.comment_id = await task_with_comment(client, project_id, people["member"])
    team.delivery_id = await first_delivery(client, team.webhook_id, people["owner"])
    team.other_task_id, _ = await task_with_comment(client, project_id, people["owner"])
    dependency = await client.post(
        f"/api/v1/tasks/{team.task_id}/dependencies",
        json={"depends_on_id": team.other_task_id},
        headers=people["owner"].headers,
    )
    assert dependency.status_code == 201, dependency.text
    in_project = await client.post(
        f"/api/v1/projects/{project_id}/members",
        json={"user_id": people["target"].id},
        headers=people["owner"].headers,
    )
    assert in_project.status_code == 201, in_project.text
    review = await client.post(
        f"/api/v1/projects/{project_id}/states",
        json={"name": "Review", "category": "in_progress"},
        headers=people["owner"].headers,
    )
    assert review.status_code == 201, review.text
    team.state_id = review.json()["id"]
    team.time_entry_id = await time_entry(client, team.task_id, people["member"])
    timer = await client.post(
        f"/api/v1/tasks/{team.task_id}/timer", headers=people["member"].headers
    )
    assert timer.status_code == 201, timer.text
    team.trashed_id = await trashed_task(client, project_id, people["owner"])
    view = await client.post(
        f"/api/v1/workspaces/{workspace_id}/views",
        json=_VIEW,
        headers=people["target"].headers,
    )
    assert view.status_code == 201, view.text
    team.view_id = view.json()["id"]
    return team


async def test_role_matrix(client_with: Any) -> None:
    # A fresh team per route: six sign-ups each, well over a thousand in a minute on a fast
    # machine (the sign-in limit is not what this matrix tests).
    client = await client_with(auth_ip_rate_limit="100000/minute")
    for (method, route), (build, expected) in BFLA.items():
        team = await build_team(client)
        for role in ROLES:
            team.role = role
            url, body = build(team)
            response = await client.request(
                method, url, json=body, headers=team.people[role].headers
            )
            assert response.status_code == expected[role], (method, route, role, response.text)


async def test_only_owners_invite_admins_and_owners(client_with: Any) -> None:
    """The invitation's role is gated too: nobody invites above their own role, and admins
    invite members and viewers only (docs/mail.md, Invitations)."""
    client = await client_with(auth_ip_rate_limit="100000/minute")
    team = await build_team(client)
    url = f"/api/v1/workspaces/{team.workspace_id}/invitations"
    expected = {
        ("admin", "viewer"): 201,
        ("admin", "member"): 201,
        ("admin", "admin"): 403,
        ("admin", "owner"): 403,
        ("owner", "admin"): 201,
        ("owner", "owner"): 201,
    }
    for (who, role), status in expected.items():
        body = {"email": f"{who}-{role}-invitee@example.com", "role": role}
        response = await client.post(url, json=body, headers=team.people[who].headers)
        assert response.status_code == status, (who, role, response.text)
    # An admin cannot revoke an invitation they could not have sent either.
    listed = await client.get(url, headers=team.people["owner"].headers)
    by_email = {item["email"]: item["id"] for item in listed.json()["items"]}
    revoke = f"/api/v1/invitations/{by_email['owner-admin-invitee@example.com']}"
    refused = await client.delete(revoke, headers=team.people["admin"].headers)
    assert refused.status_code == 403, refused.text
    assert (await client.delete(revoke, headers=team.people["owner"].headers)).status_code == 204
