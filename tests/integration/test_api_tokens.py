"""Personal API tokens (docs/api.md), shown once, stored as a hash, usable as Bearer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from smarttask.accounts.models import ApiToken
from smarttask.accounts.tokens import hash_secret
from smarttask.db.types import utcnow
from tests.support.accounts import (
    API,
    PROOF,
    app_of,
    assert_no_secrets,
    assert_problem,
    assert_unauthorized,
    bearer,
    create_api_token,
    register_and_login,
    set_user,
)


async def test_create_shows_the_secret_once(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "tok@example.com")
    created = await create_api_token(client, headers, name="deploy bot")
    assert created["token"].startswith("stk_")
    assert len(created["token"]) > 40
    assert created["name"] == "deploy bot"
    assert created["hint"] == created["token"][-4:]
    assert created["expires_at"] is None
    assert created["last_used_at"] is None
    assert_no_secrets(created)
    listed = await client.get(f"{API}/users/me/tokens", headers=headers)
    assert listed.status_code == 200
    page = listed.json()
    assert [item["id"] for item in page["items"]] == [created["id"]]
    assert "token" not in page["items"][0]
    assert created["token"] not in listed.text
    assert_no_secrets(page)
    assert page["next_cursor"] is None


async def test_only_the_hash_is_stored(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "hash@example.com")
    created = await create_api_token(client, headers)
    async with app_of(client).state.database.session() as session:
        row = (await session.execute(select(ApiToken))).scalar_one()
    assert row.token_hash == hash_secret(created["token"])
    assert created["token"] not in {row.token_hash, row.hint, row.name}


async def test_token_works_as_bearer_and_records_its_use(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "use@example.com")
    created = await create_api_token(client, headers)
    me = await client.get(f"{API}/users/me", headers=bearer(created["token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "use@example.com"
    # a write through the token works too (outside account control, which refuses tokens)
    made = await client.post(
        f"{API}/workspaces", json={"name": "Via Token"}, headers=bearer(created["token"])
    )
    assert made.status_code == 201, made.text
    renamed = await client.patch(
        f"{API}/users/me", json={"name": "Via Token"}, headers=bearer(created["token"])
    )
    assert_problem(renamed, 403)
    listed = (await client.get(f"{API}/users/me/tokens", headers=headers)).json()
    last_used = listed["items"][0]["last_used_at"]
    assert last_used is not None
    used_at = datetime.fromisoformat(last_used.replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - used_at) < timedelta(minutes=5)


async def test_revoked_token_is_401(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "rev@example.com")
    created = await create_api_token(client, headers)
    kept = await create_api_token(client, headers, name="kept")
    response = await client.delete(f"{API}/users/me/tokens/{created['id']}", headers=headers)
    assert response.status_code == 204
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(created["token"])))
    assert (await client.get(f"{API}/users/me", headers=bearer(kept["token"]))).is_success
    listed = (await client.get(f"{API}/users/me/tokens", headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [kept["id"]]
    # revoking twice: it no longer exists
    again = await client.delete(f"{API}/users/me/tokens/{created['id']}", headers=headers)
    assert_problem(again, 404)


async def test_another_users_token_is_404_and_stays_alive(client: httpx.AsyncClient) -> None:
    alice = await register_and_login(client, "alice@example.com")
    bob = await register_and_login(client, "bob@example.com")
    alices = await create_api_token(client, alice)
    response = await client.delete(f"{API}/users/me/tokens/{alices['id']}", headers=bob)
    assert_problem(response, 404)
    assert_problem(await client.delete(f"{API}/users/me/tokens/no-such-token", headers=bob), 404)
    assert (await client.get(f"{API}/users/me", headers=bearer(alices["token"]))).is_success
    assert (await client.get(f"{API}/users/me/tokens", headers=bob)).json()["items"] == []


async def test_expired_token_is_401(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "exp@example.com")
    soon = (utcnow() + timedelta(hours=1)).isoformat()
    created = await create_api_token(client, headers, expires_at=soon)
    assert created["expires_at"] is not None
    assert (await client.get(f"{API}/users/me", headers=bearer(created["token"]))).is_success
    async with app_of(client).state.database.session() as session:
        await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(created["token"])))


@pytest.mark.parametrize(
    "body",
    [
        {"name": "past", "expires_at": "2020-01-01T00:00:00Z"},
        {"name": "naive", "expires_at": "2999-01-01T00:00:00"},
        {"name": ""},
        {"name": "n" * 101},
        {"name": "nul\u0000"},
        {},
    ],
)
async def test_create_validates(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    headers = await register_and_login(client, "val@example.com")
    response = await client.post(f"{API}/users/me/tokens", json={**body, **PROOF}, headers=headers)
    assert_problem(response, 422)
    assert (await client.get(f"{API}/users/me/tokens", headers=headers)).json()["items"] == []


async def test_disabled_users_token_is_401(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "dis@example.com")
    created = await create_api_token(client, headers)
    await set_user(client, "dis@example.com", is_active=False)
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(created["token"])))


async def test_unknown_token_with_the_prefix_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{API}/users/me", headers={"Authorization": "Bearer stk_" + "A" * 43}
    )
    assert_unauthorized(response)


async def test_list_is_paginated(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "many@example.com")
    made = [(await create_api_token(client, headers, name=f"t{i}"))["id"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/users/me/tokens", params=params, headers=headers)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made  # oldest first, no gap, no repeat


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": -1}, {"cursor": "garbage"}, {"cursor": "e30"}],
)
async def test_list_validates_paging(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    headers = await register_and_login(client, "page@example.com")
    response = await client.get(f"{API}/users/me/tokens", params=params, headers=headers)
    assert_problem(response, 422)


async def test_tokens_endpoints_require_authentication(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.get(f"{API}/users/me/tokens"))
    assert_unauthorized(await client.post(f"{API}/users/me/tokens", json={"name": "x"}))
    assert_unauthorized(await client.delete(f"{API}/users/me/tokens/some-id"))
