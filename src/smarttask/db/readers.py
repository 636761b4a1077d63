"""Prebuilt read statements outside the ORM session: readers and their idle connections.

On PostgreSQL a reader runs each statement, compiled once, as a prepared statement on a
pooled asyncpg connection, in autocommit; on SQLite through Core in one read transaction.
Checking a connection out of SQLAlchemy's pool and back costs two greenlet hand-overs and
the pool's bookkeeping (a visible share of a fast read, docs/benchmarks.md);
`IdleConnections` keeps a few connections that readers gave back, checked out, and hands
them to the next reader directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import greenlet_spawn

from smarttask.db.connections import execute
from smarttask.settings import DatabaseSettings

Compiled = tuple[str, tuple[str, ...], dict[str, Any]]


class RowLike(Protocol):
    """A result row read by column name (a RowMapping, or an asyncpg Record)."""

    def __getitem__(self, key: str, /) -> Any:
        """The value of one column."""


class Reader(Protocol):
    """Runs prebuilt statements on one connection (see `Database.open_reader`): reads, and
    in a write's transaction (`transaction_reader`) writes that need no ORM object."""

    async def fetch_row(self, statement: Executable, params: Mapping[str, Any]) -> RowLike | None:
        """The first row of the statement, or None (also for a statement without rows)."""

    async def fetch_all(self, statement: Executable, params: Mapping[str, Any]) -> list[RowLike]:
        """Every row of the statement (none for a statement without rows)."""


class CoreReader:
    """SQLite: the statements run through Core on one connection (see db/connections.py)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def fetch_row(self, statement: Executable, params: Mapping[str, Any]) -> RowLike | None:
        """The first row of the statement, or None."""
        result = await execute(self._connection, statement, dict(params))
        return result.mappings().first() if result.returns_rows else None

    async def fetch_all(self, statement: Executable, params: Mapping[str, Any]) -> list[RowLike]:
        """Every row of the statement."""
        result = await execute(self._connection, statement, dict(params))
        return list(result.mappings().all()) if result.returns_rows else []


class DriverReader:
    """PostgreSQL: the compiled statements run on the pooled asyncpg connection itself."""

    def __init__(
        self, pooled: PoolProxiedConnection, compile_: Callable[[Executable], Compiled]
    ) -> None:
        self._pooled = pooled
        self._compile = compile_

    async def fetch_row(self, statement: Executable, params: Mapping[str, Any]) -> RowLike | None:
        """The first row of the statement, or None."""
        return await self._run("fetchrow", statement, params)  # type: ignore[no-any-return]

    async def fetch_all(self, statement: Executable, params: Mapping[str, Any]) -> list[RowLike]:
        """Every row of the statement."""
        return await self._run("fetch", statement, params)  # type: ignore[no-any-return]

    async def _run(self, method: str, statement: Executable, params: Mapping[str, Any]) -> Any:
        sql, names, defaults = self._compile(statement)
        values = [params[name] if name in params else defaults[name] for name in names]
        driver: Any = self._pooled.driver_connection
        try:
            return await getattr(driver, method)(sql, *values)
        except Exception as error:
            lost = driver.is_closed()
            if lost:
                await greenlet_spawn(self._pooled.invalidate, error)
            # As the dialect would: a lost connection or a timeout is operational (503); a
            # server error keeps its SQLSTATE, which decides between 503 and 500.
            operational = lost or isinstance(error, OSError | TimeoutError)
            kind = sa_exc.OperationalError if operational else sa_exc.DBAPIError
            raise kind(
                sql, None, error, hide_parameters=True, connection_invalidated=lost
            ) from error


def _usable(pooled: PoolProxiedConnection) -> bool:
    """Valid and open."""
    driver: Any = pooled.driver_connection
    return bool(pooled.is_valid) and not driver.is_closed()


class IdleConnections:
    """A few connections readers gave back, still checked out of SQLAlchemy's pool.

    The most recently used one is handed out first. One checked out for longer than the
    pool's recycle age goes back to the pool, which replaces it; one idle for longer than
    the pool's ping interval is pinged first, as the pool's checkout does (and dropped if
    dead). A connection a reader left invalid, closed or inside a transaction, or was
    cancelled with, goes back to the pool. At most half the pool is kept idle here, so ORM
    sessions always have the other half and the overflow; none when every checkout must
    ping (an interval of 0). A quarter was too few: with 16 requests in flight per worker,
    most readers went through the pool's checkout, and counter reads were clearly slower
    than with half (figures in docs/benchmarks.md).

    Fair under load: at most the pool's size and overflow of readers hold a connection at
    once, and the others wait in a first-come, first-served queue (asyncio's Semaphore
    puts a newcomer behind every waiter); a connection given back is kept idle and the
    reader waiting longest takes it. Without the queue, a connection kept idle went to
    whichever reader arrived next while the readers waiting in the pool's checkout starved:
    with 64 connections on 2 workers the task read's p99 was twice the floor's at the same
    p50 (docs/benchmarks.md).
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        self._idle: list[tuple[PoolProxiedConnection, float, float]] = []
        # None kept when every checkout must ping (a ping interval of 0).
        self._limit = max(1, settings.pool_size // 2) if settings.ping_after_idle else 0
        self._max_idle = settings.ping_after_idle
        self._ping_timeout = settings.connect_timeout
        self._max_age = settings.pool_recycle if settings.pool_recycle > 0 else float("inf")
        self._since: dict[int, float] = {}  # id(pooled) -> when it left the pool
        self._slots = asyncio.Semaphore(settings.pool_size + settings.max_overflow)
        self._wait = settings.pool_timeout
        self.waiting = 0  # readers queued for a slot

    async def take(self, engine: Engine) -> PoolProxiedConnection:
        """A connection for a reader, in turn; `give_back` it when done."""
        if self._slots.locked():
            self.waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self._wait)
            except TimeoutError as error:  # as the pool's own checkout times out: a 503
                raise sa_exc.TimeoutError(
                    "No database connection within the pool timeout."
                ) from error
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()
        try:
            return await self._checkout(engine)
        except BaseException:
            self._slots.release()
            raise

    async def _checkout(self, engine: Engine) -> PoolProxiedConnection:
        """An idle connection still fresh, else one checked out of the pool."""
        now = time.monotonic()
        while self._idle:
            pooled, released, taken = self._idle.pop()
            if now - taken >= self._max_age:
                await self._back_to_pool(pooled)
            elif now - released < self._max_idle or await self._alive(pooled):
                return pooled
        pooled = await greenlet_spawn(engine.raw_connection)  # as AsyncEngine's does
        self._since[id(pooled)] = now
        return pooled

    async def give_back(self, pooled: PoolProxiedConnection, healthy: bool) -> None:
        """Keep the connection for the next reader, or return it to the pool."""
        try:
            await self._keep_or_return(pooled, healthy)
        finally:
            self._slots.release()

    async def _keep_or_return(self, pooled: PoolProxiedConnection, healthy: bool) -> None:
        usable = _usable(pooled)
        if usable and pooled.driver_connection.is_in_transaction():  # type: ignore[union-attr]
            # Not ours to finish, and the pool's reset would not see it: a new connection.
            await greenlet_spawn(pooled.invalidate)
            usable = False
        if healthy and usable and len(self._idle) < self._limit:
            taken = self._since.get(id(pooled), 0.0)
            self._idle.append((pooled, time.monotonic(), taken))
            return
        await self._back_to_pool(pooled)

    async def release_all(self) -> None:
        """Return every idle connection to the pool (before disposing of it)."""
        idle, self._idle = self._idle, []
        for pooled, _, _ in idle:
            await self._back_to_pool(pooled)

    async def _alive(self, pooled: PoolProxiedConnection) -> bool:
        """Ping a connection that sat idle, as the pool's checkout does; drop it if dead."""
        driver: Any = pooled.driver_connection
        try:
            await asyncio.wait_for(driver.fetchrow(";"), self._ping_timeout)
        except Exception as error:
            await greenlet_spawn(pooled.invalidate, error)
            await self._back_to_pool(pooled)
            return False
        return True

    async def _back_to_pool(self, pooled: PoolProxiedConnection) -> None:
        self._since.pop(id(pooled), None)
        await greenlet_spawn(pooled.close)
