"""A server worker's cache of callers on PostgreSQL: it answers reads, and every change to a
user, a login or an API token reaches it through PostgreSQL's notifications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import update

from smarttask.accounts.callers import CHANNEL, NOTIFYING, CallerCache
from smarttask.accounts.models import ApiToken, RefreshToken, User
from smarttask.db.listener import Listener
from smarttask.db.migrate import upgrade
from smarttask.db.types import utcnow
from tests.support import (
    POSTGRES_ADMIN_DSN,
    create_postgres_database,
    drop_postgres_database,
    lifespan_of,
    make_settings,
)
from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    app_of,
    assert_unauthorized,
    bearer,
    create_api_token,
    login,
    new_password,
    register,
    register_admin,
)
from tests.support.tasks import counting_all_statements, new_board, new_task

pytestmark = pytest.mark.postgres_only


async def _listening(callers: CallerCache) -> Listener:
    """The cache's listener once it is connected and caught up (it connects in the background)."""
    listener = callers.listener
    assert listener is not None, "the lifespan attaches a listener on PostgreSQL"
    for _ in range(200):
        if await listener.sync():
            return listener
        await asyncio.sleep(0.05)
    raise AssertionError("the listener did not connect within 10 s")


@pytest.fixture
async def served(app: Any, backend: str) -> AsyncIterator[tuple[httpx.AsyncClient, Listener]]:
    """The app with its lifespan running (as a server runs it) and a client."""
    assert backend == "postgresql"  # postgres_only: SQLite instances are deselected
    async with lifespan_of(app):
        listener = await _listening(app.state.auth.callers)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, listener


def _callers(client: httpx.AsyncClient) -> CallerCache:
    callers: CallerCache = app_of(client).state.auth.callers
    return callers


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"{API}/users/me", headers=headers)


async def _signed_in(client: httpx.AsyncClient, email: str) -> tuple[dict[str, Any], Any]:
    user = await register(client, email)
    return user, await login(client, email)


@dataclass(frozen=True)
class _Caller:
    """A signed-in user with an API token, both already in the cache."""

    user: dict[str, Any]
    pair: dict[str, Any]
    headers: dict[str, str]  # the access token
    api_token: dict[str, Any]
    token: dict[str, str]  # the API token


async def _cached_caller(client: httpx.AsyncClient, email: str) -> _Caller:
    """Sign up, sign in, make an API token, and read /users/me twice with each credential."""
    user, pair = await _signed_in(client, email)
    headers = bearer(pair["access_token"])
    api_token = await create_api_token(client, headers)
    token = bearer(api_token["token"])
    for _ in range(2):
        assert (await _me(client, headers)).status_code == 200
        assert (await _me(client, token)).status_code == 200
    return _Caller(user, pair, headers, api_token, token)


async def _write(client: httpx.AsyncClient, statement: Any) -> None:
    """A change made by another instance: straight to the database, not through this app."""
    async with app_of(client).state.database.session() as session:
        await session.execute(statement)
        await session.commit()


async def test_reads_are_answered_from_the_cache(
    served: tuple[httpx.AsyncClient, Listener],
) -> None:
    client, listener = served
    _, pair = await _signed_in(client, "cached@example.com")
    headers = bearer(pair["access_token"])
    token = bearer((await create_api_token(client, headers))["token"])
    callers = _callers(client)
    await _me(client, token)  # its first use is recorded: a write, which is notified
    await listener.sync()
    first = await _me(client, headers)
    await _me(client, token)
    hits = callers.hits
    for _ in range(3):
        assert (await _me(client, headers)).json() == first.json()
        assert (await _me(client, token)).json() == first.json()
    assert callers.hits == hits + 6


async def test_another_instance_s_revocations_reach_the_cache(
    served: tuple[httpx.AsyncClient, Listener],
) -> None:
    """Changes committed elsewhere arrive by notification: the next read sees them."""
    client, listener = served
    caller = await _cached_caller(client, "elsewhere@example.com")
    headers, token = caller.headers, caller.token

    await _write(client, update(User).where(User.id == caller.user["id"]).values(name="Renamed"))
    await listener.sync()
    assert (await _me(client, headers)).json()["name"] == "Renamed"
    assert (await _me(client, token)).json()["name"] == "Renamed"

    await _write(client, update(ApiToken).values(revoked_at=utcnow()))
    await listener.sync()
    assert_unauthorized(await _me(client, token))
    assert (await _me(client, headers)).status_code == 200

    await _write(client, update(RefreshToken).values(revoked_at=utcnow()))
    await listener.sync()
    assert_unauthorized(await _me(client, headers))


async def test_disabling_reaches_the_cache(served: tuple[httpx.AsyncClient, Listener]) -> None:
    client, listener = served
    admin = await register_admin(client, "admin@example.com")
    caller = await _cached_caller(client, "disabled@example.com")
    headers, token = caller.headers, caller.token
    disabled = await client.patch(
        f"{API}/users/{caller.user['id']}", json={"is_active": False, **PROOF}, headers=admin
    )
    assert disabled.status_code == 200
    await listener.sync()
    assert_unauthorized(await _me(client, headers))
    assert_unauthorized(await _me(client, token))


async def test_the_callers_own_changes_are_seen_at_once(
    served: tuple[httpx.AsyncClient, Listener],
) -> None:
    """Read-your-writes in one worker, without waiting for the notification."""
    client, _ = served
    caller = await _cached_caller(client, "own@example.com")
    headers, token, created = caller.headers, caller.token, caller.api_token

    renamed = await client.patch(f"{API}/users/me", json={"name": "New Name"}, headers=headers)
    assert renamed.status_code == 200
    assert (await _me(client, headers)).json()["name"] == "New Name"

    revoked = await client.delete(f"{API}/users/me/tokens/{created['id']}", headers=headers)
    assert revoked.status_code == 204
    assert_unauthorized(await _me(client, token))

    changed = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": new_password()},
        headers=headers,
    )
    assert changed.status_code == 204
    assert_unauthorized(await _me(client, headers))


async def test_logout_reaches_the_cache(served: tuple[httpx.AsyncClient, Listener]) -> None:
    client, listener = served
    _, pair = await _signed_in(client, "logout@example.com")
    headers = bearer(pair["access_token"])
    for _ in range(2):
        assert (await _me(client, headers)).status_code == 200
    out = await client.post(f"{API}/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    await listener.sync()
    assert_unauthorized(await _me(client, headers))


async def test_a_lost_listener_empties_the_cache_and_turns_it_off(
    served: tuple[httpx.AsyncClient, Listener],
) -> None:
    """Notifications sent while the listener is down are lost: nothing cached survives it."""
    client, listener = served
    _, pair = await _signed_in(client, "lost@example.com")
    headers = bearer(pair["access_token"])
    callers = _callers(client)
    for _ in range(2):
        assert (await _me(client, headers)).status_code == 200
    assert len(callers) == 1

    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'smarttask-listener' AND datname = $1",
            await _database_name(client),
        )
    finally:
        await admin.close()
    assert killed == 1
    assert not await listener.sync()  # its connection is gone
    assert not listener.fresh_within(callers.max_lag)
    assert len(callers) == 0
    assert callers.get(("access", "x", "y")) is None

    # a revocation while nobody listens, then the listener comes back with an empty cache
    await _write(client, update(RefreshToken).values(revoked_at=utcnow()))
    await _listening(callers)
    assert_unauthorized(await _me(client, headers))


async def _database_name(client: httpx.AsyncClient) -> str:
    url: str = app_of(client).state.database.settings.url
    return url.rsplit("/", 1)[1]


async def test_the_listener_waits_for_the_migration(
    backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the notifying triggers (database not migrated) the cache stays off."""
    assert backend == "postgresql"
    url, name = await create_postgres_database()
    callers = CallerCache(30.0)
    listener = Listener(
        make_settings(url).database,
        CHANNEL,
        callers.forget,
        callers.forget_all,
        precondition=NOTIFYING,
    )
    callers.attach(listener)
    listener.start()
    try:
        for _ in range(200):
            if "precondition not met" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "precondition not met" in caplog.text
        assert not listener.fresh_within(callers.max_lag)
        assert not await listener.sync()
        await asyncio.to_thread(upgrade, url)
        await _listening(callers)
        assert listener.fresh_within(callers.max_lag)
    finally:
        await listener.stop()
        await drop_postgres_database(name)


async def test_a_cached_callers_task_read_is_one_statement(
    app: Any, served: tuple[httpx.AsyncClient, Listener]
) -> None:
    """With its caller in the cache, GET /tasks/{id} and a page run one statement each."""
    client, listener = served
    board = await new_board(client)
    task = await new_task(client, board, labels=["a"])
    paths = (f"/api/v1/tasks/{task['id']}", f"/api/v1/projects/{board.project_id}/tasks")
    for path in paths * 2:  # the first reads store the caller once every write is notified
        await listener.sync()
        assert (await client.get(path, headers=board.viewer.headers)).status_code == 200
    for path in paths:
        with counting_all_statements(app) as statements:
            response = await client.get(path, headers=board.viewer.headers)
        assert response.status_code == 200
        assert len(statements) == 1, statements
        assert "FROM user_account" not in statements[0]
