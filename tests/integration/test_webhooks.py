"""Webhooks through the API (contract §9): who may manage them, what URLs and events are
accepted, secrets shown once and kept encrypted, rotation, ETags, tenancy."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from smarttask.db.engine import Database
from smarttask.settings import Settings
from smarttask.webhooks.models import Webhook
from tests.support.accounts import assert_problem
from tests.support.tasks import Board, new_board
from tests.support.workspaces import Account, add_member, new_workspace, signup

API = "/api/v1"
PUBLIC_URL = "http://93.184.216.34/hooks"  # an IP literal: no DNS needed, and public


@pytest.fixture
async def database(settings: Settings, app: Any) -> Any:
    """A handle on the app's database, to look at what is stored."""
    db = Database(settings.database)
    yield db
    await db.dispose()


async def create(
    client: httpx.AsyncClient,
    board: Board,
    who: Account | None = None,
    url: str = PUBLIC_URL,
    events: list[str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks",
        json={"url": url, "events": events or ["task.created", "comment.created"]},
        headers=(who or board.owner).headers,
    )


async def created(client: httpx.AsyncClient, board: Board, **kwargs: Any) -> dict[str, Any]:
    response = await create(client, board, **kwargs)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_admin_creates_a_webhook_and_sees_its_secret_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    admin = await signup(client, "a")
    await add_member(client, board.workspace_id, board.owner, admin, "admin")
    response = await create(client, board, who=admin, events=["task.created", "task.created"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{API}/webhooks/{body['id']}"
    assert body["url"] == PUBLIC_URL
    assert body["events"] == ["task.created"]
    assert body["enabled"] is True
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24

    read = await client.get(f"{API}/webhooks/{body['id']}", headers=admin.headers)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["etag"] == f'"{body["version"]}"'
    listed = await client.get(
        f"{API}/workspaces/{board.workspace_id}/webhooks", headers=board.owner.headers
    )
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert secret not in listed.text
    assert secret not in read.text

    async with database.session(writes=False) as session:
        stored = (await session.scalars(select(Webhook))).one()
    assert secret not in stored.secret  # encrypted at rest
    assert secret.removeprefix("whsec_") not in stored.secret


async def test_members_get_403_and_other_workspaces_get_404_everywhere(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    hook = await created(client, board)
    stranger = await signup(client, "x")
    await new_workspace(client, stranger, "Elsewhere")  # an admin of another workspace
    base = f"{API}/webhooks/{hook['id']}"
    for who, status in ((board.member, 403), (board.viewer, 403), (stranger, 404)):
        calls = [
            await create(client, board, who=who),
            await client.get(
                f"{API}/workspaces/{board.workspace_id}/webhooks", headers=who.headers
            ),
            await client.get(base, headers=who.headers),
            await client.patch(base, json={"enabled": False}, headers=who.headers),
            await client.post(f"{base}/rotate-secret", headers=who.headers),
            await client.get(f"{base}/deliveries", headers=who.headers),
            await client.post(f"{base}/deliveries/nope/redeliver", headers=who.headers),
            await client.delete(base, headers=who.headers),
        ]
        for response in calls:
            assert_problem(response, status)
    missing = await client.get(f"{API}/webhooks/no-such-id", headers=board.owner.headers)
    assert_problem(missing, 404)
    still = await client.get(base, headers=board.owner.headers)
    assert still.json()["enabled"] is True
    assert still.json()["version"] == hook["version"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"url": PUBLIC_URL, "events": ["task.exploded"]}, "events"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": "task.created"}, "events"),
        ({"url": PUBLIC_URL}, "events"),
        ({"url": 42, "events": ["task.created"]}, "url"),
        ({"url": "http://93.184.216.34/\x00", "events": ["task.created"]}, None),
        ({"url": PUBLIC_URL, "events": ["task.created"], "enabled": False}, "enabled"),
        ({"url": PUBLIC_URL, "events": ["task.created"], "secret": "whsec_mine"}, "secret"),
        ({"url": "ftp://93.184.216.34/x", "events": ["task.created"]}, "url"),
        ({"url": "http://user:pw@93.184.216.34/", "events": ["task.created"]}, "url"),
        ({"url": "not a url", "events": ["task.created"]}, "url"),
        ({"url": "https://", "events": ["task.created"]}, "url"),
        ({"url": "http://x" * 1000, "events": ["task.created"]}, "url"),
        ({"url": "https://nowhere.invalid/hook", "events": ["task.created"]}, "url"),
    ],
)
async def test_bad_bodies_are_refused_and_nothing_is_created(
    client: httpx.AsyncClient, body: dict[str, Any], where: str | None
) -> None:
    board = await new_board(client)
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/webhooks", json=body, headers=board.owner.headers
    )
    problem = assert_problem(response, 422)
    if where is not None:
        assert any(where in error["loc"] for error in problem["errors"]), problem
    listed = await client.get(
        f"{API}/workspaces/{board.workspace_id}/webhooks", headers=board.owner.headers
    )
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::]/hook",
        "http://240.0.0.1/hook",
        "http://100.64.0.1/hook",
    ],
)
async def test_private_addresses_are_refused(client: httpx.AsyncClient, url: str) -> None:
    board = await new_board(client)
    problem = assert_problem(await create(client, board, url=url), 422)
    assert problem["errors"][0]["loc"] == ["body", "url"]
    assert "public" in problem["detail"] or "resolve" in problem["detail"]
    hook = await created(client, board)
    patched = await client.patch(
        f"{API}/webhooks/{hook['id']}", json={"url": url}, headers=board.owner.headers
    )
    assert_problem(patched, 422)
    read = await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)
    assert read.json()["url"] == PUBLIC_URL


async def test_the_setting_allows_private_addresses(client_with: Any) -> None:
    client = await client_with(webhook_allow_private=True)
    board = await new_board(client)
    hook = await created(client, board, url="http://127.0.0.1:9/hook")
    assert hook["url"] == "http://127.0.0.1:9/hook"


async def test_patch_changes_url_events_and_state_with_if_match(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    hook = await created(client, board)
    base = f"{API}/webhooks/{hook['id']}"
    stale = await client.patch(
        base, json={"enabled": False}, headers={**board.owner.headers, "If-Match": '"999"'}
    )
    assert_problem(stale, 412)
    changed = await client.patch(
        base,
        json={"url": "https://93.184.216.35/v2", "events": ["task.updated"], "enabled": False},
        headers={**board.owner.headers, "If-Match": f'"{hook["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["events"], body["enabled"]) == (
        "https://93.184.216.35/v2",
        ["task.updated"],
        False,
    )
    assert body["disabled_reason"]
    assert body["version"] == hook["version"] + 1
    assert changed.headers["etag"] == f'"{body["version"]}"'
    enabled = await client.patch(base, json={"enabled": True}, headers=board.owner.headers)
    assert enabled.json()["enabled"] is True
    assert enabled.json()["disabled_reason"] is None
    for bad in ({"events": ["nope"]}, {"enabled": "yes"}, {"url": None, "colour": 1}):
        assert_problem(await client.patch(base, json=bad, headers=board.owner.headers), 422)


async def test_rotating_keeps_the_previous_secret_for_a_day(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    hook = await created(client, board)
    rotated = await client.post(
        f"{API}/webhooks/{hook['id']}/rotate-secret", headers=board.owner.headers
    )
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != hook["secret"]
    assert body["previous_secret_expires_at"] is not None
    read = await client.get(f"{API}/webhooks/{hook['id']}", headers=board.owner.headers)
    assert "secret" not in read.json()
    async with database.session(writes=False) as session:
        stored = (await session.scalars(select(Webhook))).one()
    assert stored.previous_secret is not None
    for shown in (hook["secret"], body["secret"]):
        assert shown.removeprefix("whsec_") not in stored.secret + stored.previous_secret


async def test_delete_removes_the_webhook(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    hook = await created(client, board)
    base = f"{API}/webhooks/{hook['id']}"
    stale = await client.delete(base, headers={**board.owner.headers, "If-Match": '"41"'})
    assert_problem(stale, 412)
    assert (await client.delete(base, headers=board.owner.headers)).status_code == 204
    assert_problem(await client.get(base, headers=board.owner.headers), 404)
    assert_problem(await client.delete(base, headers=board.owner.headers), 404)


async def test_the_list_is_keyset_paginated(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    ids = [(await created(client, board))["id"] for _ in range(5)]
    url = f"{API}/workspaces/{board.workspace_id}/webhooks"
    first = (await client.get(url, params={"limit": 2}, headers=board.owner.headers)).json()
    assert first["next_cursor"]
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await client.get(
                url, params={"limit": 2, "cursor": cursor}, headers=board.owner.headers
            )
        ).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids
    bad = await client.get(url, params={"cursor": "garbage"}, headers=board.owner.headers)
    assert_problem(bad, 422)
