"""Idempotency-Key on POST: replay, mismatch, in-flight conflict, expiry (docs/api.md)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from smarttask.db.types import utcnow
from smarttask.jobs.builtin import purge_idempotency_keys
from smarttask.jobs.registry import JobContext
from smarttask.kit.idempotency.models import IdempotencyKey
from smarttask.settings import Settings
from tests.support import add_probe_routes

INCREMENT = "/api/v1/counters/paid/increment"


async def test_replay_returns_first_answer_and_writes_nothing(client: httpx.AsyncClient) -> None:
    first = await client.post(INCREMENT, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 200
    assert "idempotent-replayed" not in first.headers
    again = await client.post(INCREMENT, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/json"
    assert (await client.get("/api/v1/counters/paid")).json()["value"] == 1
    other = await client.post(INCREMENT, headers={"Idempotency-Key": "k-2"})
    assert other.json()["value"] == 2


async def test_same_key_different_body_is_422(app: Any, client: httpx.AsyncClient) -> None:
    add_probe_routes(app)
    first = await client.post(
        "/api/v1/_probe/echo", json={"name": "a"}, headers={"Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    changed = await client.post(
        "/api/v1/_probe/echo", json={"name": "b"}, headers={"Idempotency-Key": "k"}
    )
    assert changed.status_code == 422
    assert changed.headers["content-type"] == "application/problem+json"
    replay = await client.post(
        "/api/v1/_probe/echo", json={"name": "a"}, headers={"Idempotency-Key": "k"}
    )
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"


async def test_keys_are_per_principal(app: Any, client: httpx.AsyncClient) -> None:
    await client.post(INCREMENT, headers={"Idempotency-Key": "shared"})
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        response = await other.post(INCREMENT, headers={"Idempotency-Key": "shared"})
    assert "idempotent-replayed" not in response.headers
    assert response.json()["value"] == 2


async def test_in_flight_duplicate_gets_409(app: Any, client: httpx.AsyncClient) -> None:
    gate = add_probe_routes(app)
    first = asyncio.create_task(
        client.post("/api/v1/_probe/slow-increment", headers={"Idempotency-Key": "slow"})
    )
    await asyncio.wait_for(gate["entered"].wait(), 10)
    duplicate = await client.post(
        "/api/v1/_probe/slow-increment", headers={"Idempotency-Key": "slow"}
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["retry-after"]
    gate["release"].set()
    done = await first
    assert done.status_code == 200
    replay = await client.post("/api/v1/_probe/slow-increment", headers={"Idempotency-Key": "slow"})
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == done.json()


async def test_failed_request_releases_its_key(app: Any, client: httpx.AsyncClient) -> None:
    add_probe_routes(app)
    failed = await client.post(
        "/api/v1/_probe/increment-then-fail", headers={"Idempotency-Key": "f"}
    )
    assert failed.status_code == 500
    retried = await client.post(
        "/api/v1/_probe/increment-then-fail", headers={"Idempotency-Key": "f"}
    )
    assert retried.status_code == 500
    assert "idempotent-replayed" not in retried.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\there"])
async def test_invalid_keys_are_422(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post(INCREMENT, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert (await client.get("/api/v1/counters/paid")).status_code == 404


async def test_crashed_holder_is_taken_over_after_its_lease(
    app: Any, client: httpx.AsyncClient
) -> None:
    await client.post(INCREMENT, headers={"Idempotency-Key": "lease"})
    database = app.state.database
    async with database.session() as session:
        await session.execute(
            update(IdempotencyKey).values(
                status="running", locked_until=utcnow() - timedelta(seconds=1)
            )
        )
        await session.commit()
    retried = await client.post(INCREMENT, headers={"Idempotency-Key": "lease"})
    assert retried.status_code == 200
    assert "idempotent-replayed" not in retried.headers


async def test_expired_keys_are_purged_and_reusable(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    await client.post(INCREMENT, headers={"Idempotency-Key": "old"})
    await client.post(INCREMENT, headers={"Idempotency-Key": "fresh"})
    database = app.state.database
    async with database.session() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    reused = await client.post(INCREMENT, headers={"Idempotency-Key": "old"})
    assert "idempotent-replayed" not in reused.headers
    async with database.session() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    async with database.session() as session:
        # As the job runner does: the handler writes, the runner commits.
        context = JobContext(session, database, settings, job_id="test", attempt=1)
        await purge_idempotency_keys(context, {})
        await session.commit()
    async with database.session() as session:
        remaining = (await session.scalars(select(IdempotencyKey.key))).all()
    assert remaining == ["fresh"]


async def test_keys_live_at_least_a_day(app: Any, client: httpx.AsyncClient) -> None:
    await client.post(INCREMENT, headers={"Idempotency-Key": "day"})
    async with app.state.database.session() as session:
        row = (await session.execute(select(IdempotencyKey))).scalar_one()
    assert row.expires_at - row.created_at >= timedelta(hours=24)


async def test_answers_with_secrets_are_never_stored(client: httpx.AsyncClient) -> None:
    from tests.support.workspaces import PASSWORD, signup

    account = await signup(client)
    login = {"email": account.email, "password": PASSWORD}
    first = await client.post("/api/v1/auth/login", json=login, headers={"Idempotency-Key": "l"})
    second = await client.post("/api/v1/auth/login", json=login, headers={"Idempotency-Key": "l"})
    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    assert first.json()["refresh_token"] != second.json()["refresh_token"]
    token = await client.post(
        "/api/v1/users/me/tokens",
        json={"name": "ci", "current_password": PASSWORD},
        headers=account.headers | {"Idempotency-Key": "t"},
    )
    assert token.status_code == 201
    async with client._transport.app.state.database.session() as session:  # type: ignore[attr-defined]
        stored = (await session.execute(select(IdempotencyKey))).scalars().all()
    assert stored == []


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
async def test_missing_credentials_are_401_before_any_key_rule(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    """A key the anonymous caller already used elsewhere never turns a 401 into a 422."""
    assert (await client.post(INCREMENT, headers={"Idempotency-Key": "shared"})).status_code == 200
    headers = {"Idempotency-Key": "shared"}
    if authorization is not None:
        headers["Authorization"] = authorization
    for body in ({"name": "a"}, {"name": "b"}):  # a second body: a 422 if the key counted
        refused = await client.post("/api/v1/workspaces", json=body, headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"].startswith("Bearer")
    async with client._transport.app.state.database.session() as session:  # type: ignore[attr-defined]
        stored = (await session.execute(select(IdempotencyKey.principal))).scalars().all()
    assert all(not owner.startswith("unauthenticated") for owner in stored)
    assert len(stored) == 1  # the anonymous increment's key only: a 401 leaves no claim


@pytest.mark.parametrize("credential", ["access token", "api token"])
async def test_revoked_credentials_get_a_401_not_a_replay(
    client: httpx.AsyncClient, credential: str
) -> None:
    """An answer stored for a key is replayed only to a caller whose credentials still work."""
    from tests.support.accounts import PASSWORD, bearer, create_api_token, login, register

    await register(client, "replay@example.com")
    pair = await login(client, "replay@example.com", PASSWORD)
    headers = bearer(pair["access_token"])
    if credential == "api token":
        token = await create_api_token(client, headers)
        headers = bearer(token["token"])
    keyed = headers | {"Idempotency-Key": "create-team"}
    first = await client.post("/api/v1/workspaces", json={"name": "Team"}, headers=keyed)
    assert first.status_code == 201
    replay = await client.post("/api/v1/workspaces", json={"name": "Team"}, headers=keyed)
    assert replay.headers["idempotent-replayed"] == "true"
    if credential == "api token":
        path = f"/api/v1/users/me/tokens/{token['id']}"
        assert (await client.delete(path, headers=headers)).status_code == 204
    else:
        out = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}
        )
        assert out.status_code == 204
    refused = await client.post("/api/v1/workspaces", json={"name": "Team"}, headers=keyed)
    assert refused.status_code == 401, refused.text
    assert "idempotent-replayed" not in refused.headers
