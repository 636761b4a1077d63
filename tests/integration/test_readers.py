"""Readers reuse the connections they gave back, but never a dead, busy or stale one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from smarttask.db.engine import Database
from tests.support import make_settings

pytestmark = pytest.mark.postgres_only

_PID = select(func.pg_backend_pid().label("pid"))


async def _pid(database: Database) -> int:
    async with database.open_reader() as reader:
        row: Any = await reader.fetch_row(_PID, {})
        return int(row["pid"])


@pytest.fixture
async def database(backend: str, database_url: str) -> Any:
    """A Database of its own (PostgreSQL: readers use the driver connection)."""
    assert backend == "postgresql"  # postgres_only: SQLite instances are deselected
    db = Database(make_settings(database_url).database)
    yield db
    await db.dispose()


async def test_a_reader_gets_the_connection_the_last_one_gave_back(database: Database) -> None:
    """One connection for sequential readers; concurrent readers each get their own."""
    first = await _pid(database)
    assert await _pid(database) == first
    async with database.open_reader() as a, database.open_reader() as b:
        pids = {int((await r.fetch_row(_PID, {}) or {"pid": 0})["pid"]) for r in (a, b)}
    assert len(pids) == 2
    assert first in pids


async def test_a_connection_that_died_is_not_kept(database: Database) -> None:
    """A terminated backend fails one statement (503 material), then a new one is used."""
    first = await _pid(database)
    async with database.engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    with pytest.raises(sa_exc.DBAPIError):
        await _pid(database)
    assert await _pid(database) != first


async def test_a_failed_statement_leaves_the_connection_usable(database: Database) -> None:
    """A server error (division by zero) does not cost the connection."""
    first = await _pid(database)
    with pytest.raises(sa_exc.DBAPIError):
        async with database.open_reader() as reader:
            await reader.fetch_row(select((func.abs(1) / 0).label("x")), {})
    assert await _pid(database) == first


async def test_an_open_transaction_is_not_handed_on(database: Database) -> None:
    """A reader that left a transaction open gives its connection back to the pool."""
    async with database.open_reader() as reader:
        driver: Any = reader._pooled.driver_connection  # type: ignore[attr-defined]
        await driver.execute("BEGIN")
        first = int((await reader.fetch_row(_PID, {}) or {"pid": 0})["pid"])
    async with database.open_reader() as reader:
        driver = reader._pooled.driver_connection  # type: ignore[attr-defined]
        assert not driver.is_in_transaction()
    assert first


async def test_no_idle_connection_when_every_checkout_must_ping(database_url: str) -> None:
    """With a ping interval of 0, every reader goes through the pool's checkout (and ping)."""
    database = Database(make_settings(database_url, db_ping_after_idle_seconds=0).database)
    try:
        await _pid(database)
        assert not database._idle._idle
    finally:
        await database.dispose()


async def test_dispose_returns_the_idle_connections(database: Database) -> None:
    """Nothing stays checked out of the pool after dispose."""
    await _pid(database)
    assert database._idle._idle
    await database.dispose()
    assert not database._idle._idle


async def test_a_waiting_reader_is_served_before_a_new_arrival(database_url: str) -> None:
    """With the pool exhausted, a connection given back goes to the reader waiting longest.

    Kept idle instead, it would go to whichever reader arrives next while the waiting one
    starved (the task read's p99 at 64 connections, docs/benchmarks.md).
    """
    settings = make_settings(database_url, db_pool_size=1, db_max_overflow=0)
    database = Database(settings.database)
    served: list[str] = []

    async def read(name: str, started: asyncio.Event | None = None) -> None:
        async with database.open_reader() as reader:
            served.append(name)
            if started is not None:
                started.set()
            await reader.fetch_row(_PID, {})
            await asyncio.sleep(0.05)

    try:
        holder_started = asyncio.Event()
        holder = asyncio.create_task(read("holder", holder_started))
        await holder_started.wait()
        waiting = asyncio.create_task(read("waiting"))
        await asyncio.sleep(0.02)  # in the pool's checkout, behind the holder
        assert database._idle.waiting == 1
        await holder  # gives its connection back while "waiting" waits
        late = asyncio.create_task(read("late"))
        await asyncio.gather(waiting, late)
        assert served == ["holder", "waiting", "late"]
        assert database._idle.waiting == 0
    finally:
        await database.dispose()


async def test_a_reader_waits_no_longer_than_the_pool_timeout(database_url: str) -> None:
    """Every connection busy past the pool's timeout: the pool's own error (a 503)."""
    settings = make_settings(database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.2)
    database = Database(settings.database)
    try:
        async with database.open_reader():
            with pytest.raises(sa_exc.TimeoutError):
                await _pid(database)
        assert database._idle.waiting == 0
        assert await _pid(database)  # the slot was given back: the next reader is served
    finally:
        await database.dispose()
