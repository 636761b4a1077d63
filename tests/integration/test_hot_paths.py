"""The fast read paths (counters, GET /users/me) answer as the session path, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from smarttask.db.engine import Database
from smarttask.kit.problems import is_database_unavailable
from tests.support import make_settings
from tests.support.accounts import (
    API,
    assert_unauthorized,
    bearer,
    create_api_token,
    login,
    register,
    set_user,
)


async def test_existing_counter_with_idempotency_key_counts_once(
    client: httpx.AsyncClient,
) -> None:
    """An increment whose answer is stored for replay runs in the unit of work: once."""
    assert (await client.post(f"{API}/counters/hot/increment")).json()["value"] == 1
    first = await client.post(f"{API}/counters/hot/increment", headers={"Idempotency-Key": "a"})
    again = await client.post(f"{API}/counters/hot/increment", headers={"Idempotency-Key": "a"})
    assert first.json()["value"] == 2
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert (await client.get(f"{API}/counters/hot")).json()["value"] == 2


async def test_counter_answers_keep_their_shape(client: httpx.AsyncClient) -> None:
    """Created, incremented and read counters: same fields, RFC 3339 UTC times, JSON type."""
    created = await client.post(f"{API}/counters/shape/increment")
    bumped = await client.post(f"{API}/counters/shape/increment")
    read = await client.get(f"{API}/counters/shape")
    for response in (created, bumped, read):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert list(body) == ["name", "value", "created_at", "updated_at"]
        assert body["created_at"].endswith("Z")
        assert body["updated_at"].endswith("Z")
    assert read.json() == bumped.json()
    assert bumped.json()["created_at"] == created.json()["created_at"]
    missing = await client.get(f"{API}/counters/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_users_me_is_the_profile_the_session_path_returns(
    client: httpx.AsyncClient,
) -> None:
    """GET /users/me (fast read path) equals PATCH /users/me (validated by its response model)."""
    await register(client, "hot-me@example.com")
    headers = bearer((await login(client, "hot-me@example.com"))["access_token"])
    patched = await client.patch(f"{API}/users/me", json={"name": "Hot Me"}, headers=headers)
    assert patched.status_code == 200
    read = await client.get(f"{API}/users/me", headers=headers)
    assert read.status_code == 200
    assert read.json() == patched.json()
    token = await create_api_token(client, headers)
    via_token = await client.get(f"{API}/users/me", headers=bearer(token["token"]))
    assert via_token.json() == patched.json()


async def test_a_disabled_user_is_refused_at_once_on_reads(client: httpx.AsyncClient) -> None:
    """Reads look the caller up on every request: disabling takes effect immediately."""
    await register(client, "hot-off@example.com")
    headers = bearer((await login(client, "hot-off@example.com"))["access_token"])
    token = bearer((await create_api_token(client, headers))["token"])
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/users/me", headers=token)).status_code == 200
    await set_user(client, "hot-off@example.com", is_active=False)
    assert_unauthorized(await client.get(f"{API}/users/me", headers=headers))
    assert_unauthorized(await client.get(f"{API}/users/me", headers=token))


@pytest.mark.postgres_only
async def test_driver_errors_become_sqlalchemy_errors(backend: str, database_url: str) -> None:
    """A statement timeout on the raw driver path is 'unavailable' (503); a bug is not."""
    assert backend == "postgresql"  # the raw driver path is PostgreSQL's
    database = Database(make_settings(database_url, db_statement_timeout=0.2).database)
    try:
        row: Any = await database.fetch_row(select(func.abs(-3).label("n")), {})
        assert row is not None
        assert row["n"] == 3
        with pytest.raises(sa_exc.DBAPIError) as timeout:
            await database.fetch_row(select(func.pg_sleep(2)), {})
        assert is_database_unavailable(timeout.value)
        with pytest.raises(sa_exc.DBAPIError) as bug:
            await database.fetch_row(select((func.abs(1) / 0).label("x")), {})
        assert not is_database_unavailable(bug.value)
        row = await database.fetch_row(select(func.abs(-4).label("n")), {})  # pool still fine
        assert row is not None
        assert row["n"] == 4
    finally:
        await database.dispose()
