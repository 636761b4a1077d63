"""The database goes away and comes back: 503s with Retry-After, no hang, no restart."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from smarttask.app import create_app
from smarttask.db.migrate import upgrade
from tests.support import (
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    sqlite_url,
)
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture(scope="module")
async def postgres_url() -> AsyncIterator[str]:
    """A migrated PostgreSQL database of its own (this module cuts connections to it)."""
    url, name = await create_postgres_database()
    await asyncio.to_thread(upgrade, url)
    yield url
    await drop_postgres_database(name)


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    """A proxy in front of PostgreSQL."""
    parsed = make_url(postgres_url)
    tcp = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    await tcp.start()
    yield tcp
    await tcp.stop()


@pytest.fixture
async def client(postgres_url: str, proxy: TcpProxy) -> AsyncIterator[httpx.AsyncClient]:
    """The app talking to PostgreSQL through the proxy."""
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    app = create_app(
        make_settings(url.render_as_string(hide_password=False), rate_limit_enabled=False)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        yield http
    await app.state.database.dispose()


async def timed(call: Any) -> tuple[httpx.Response, float]:
    """The response and how long it took."""
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def assert_outage(client: httpx.AsyncClient, name: str) -> None:
    """What clients see while the database is gone."""
    health, elapsed = await timed(client.get("/health"))
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy"
    assert health.json()["database"] == "error"
    assert int(health.headers["retry-after"]) > 0
    assert elapsed < 2.0, f"/health took {elapsed:.2f}s"
    assert (await client.get("/health/live")).status_code == 200
    for call in (
        client.post(f"/api/v1/counters/{name}/increment"),
        client.get(f"/api/v1/counters/{name}"),
    ):
        response = await call
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) > 0


async def assert_recovered(client: httpx.AsyncClient, name: str, expected_value: int) -> None:
    """Everything works again, in the same process."""
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json()["database"] == "connected"
    response = await client.post(f"/api/v1/counters/{name}/increment")
    assert response.status_code == 200
    assert response.json()["value"] == expected_value


async def test_postgres_refusing_connections(client: httpx.AsyncClient, proxy: TcpProxy) -> None:
    assert (await client.post("/api/v1/counters/refused/increment")).json()["value"] == 1
    await proxy.refuse()
    await assert_outage(client, "refused")
    await proxy.restore()
    await assert_recovered(client, "refused", expected_value=2)


async def test_postgres_unreachable_black_hole(client: httpx.AsyncClient, proxy: TcpProxy) -> None:
    assert (await client.post("/api/v1/counters/silent/increment")).json()["value"] == 1
    await proxy.blackhole()
    await assert_outage(client, "silent")
    await proxy.restore()
    await assert_recovered(client, "silent", expected_value=2)


async def test_sqlite_locked_by_another_writer(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await asyncio.to_thread(upgrade, url)
    app = create_app(make_settings(url, rate_limit_enabled=False, db_statement_timeout=0.5))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert (await client.post("/api/v1/counters/up/increment")).status_code == 200
        holder = sqlite3.connect(tmp_path / "smarttask-test.db", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            busy = await client.post("/api/v1/counters/up/increment")
            assert busy.status_code == 503
            assert busy.headers["content-type"] == "application/problem+json"
            assert int(busy.headers["retry-after"]) > 0
            assert (await client.get("/health")).status_code == 200  # readers go on (WAL)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert (await client.post("/api/v1/counters/up/increment")).json()["value"] == 2
    await app.state.database.dispose()
