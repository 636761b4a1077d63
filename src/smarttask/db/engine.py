"""Engines and sessions: created lazily, once per process, with bounded timeouts.

Each engine is built in its sync form (`Engine`, on the async driver): the fast read path
runs its Core statements on it through `greenlet_spawn` (db/connections.py), and it is
wrapped in an `AsyncEngine` only when an ORM session or an AsyncConnection is asked for. Importing
`sqlalchemy.ext.asyncio` imports the whole ORM, which a Lambda cold start that checks
health or reads a counter does not need.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import await_, greenlet_spawn

from smarttask.db.connections import connected, execute
from smarttask.db.readers import Compiled, CoreReader, DriverReader, IdleConnections
from smarttask.db.readers import Reader as Reader  # re-exported: the fast read path's types
from smarttask.db.readers import RowLike as RowLike
from smarttask.settings import DatabaseSettings, JobSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

# Key of the session.info entry that names the Database a session came from.
DATABASE_KEY = "smarttask.database"
# Key of the session.info entry keeping a transaction's reader (`transaction_reader`).
_TRANSACTION_READER = "smarttask.transaction_reader"
_PING = text("SELECT 1")


def _create(url: Any, **options: Any) -> Engine:
    # Looked up at each call, not imported: with tracing on, the SQLAlchemy instrumentation
    # wraps `sqlalchemy.create_engine` to trace the engines created afterwards (kit/tracing.py).
    return sqlalchemy.create_engine(url, **options)


def _sqlite_engine(settings: DatabaseSettings) -> Engine:
    url = make_url(settings.url)
    if url.database and url.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    engine = _create(
        url,
        echo=settings.echo,
        hide_parameters=True,
        connect_args={"timeout": settings.statement_timeout},
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
    )
    busy_ms = int(settings.statement_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then
        # writes can fail at once with SQLITE_BUSY instead of waiting its turn.
        mode = "IMMEDIATE" if conn.get_execution_options().get("writes", True) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _ping_idle_connections(engine: Engine, settings: DatabaseSettings) -> None:
    """Pre-ping a pooled connection before use if it sat idle, with one cheap round trip.

    SQLAlchemy's own pre-ping costs three round trips per checkout on asyncpg (it wraps the
    ping in a transaction). A connection used moments ago is almost surely alive; if not, the
    failed statement invalidates the pool and the request answers 503 like any outage.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < settings.ping_after_idle:
            return
        try:
            await_(
                asyncio.wait_for(record.driver_connection.fetchrow(";"), settings.connect_timeout)
            )
        except Exception as error:
            # The pool drops this connection and hands out a fresh one.
            raise DisconnectionError("pooled connection is dead") from error


def _postgres_engine(settings: DatabaseSettings) -> Engine:
    statement_ms = str(int(settings.statement_timeout * 1000))
    engine = _create(
        settings.url,
        echo=settings.echo,
        hide_parameters=True,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        pool_recycle=settings.pool_recycle,
        connect_args={
            "timeout": settings.connect_timeout,
            "command_timeout": settings.statement_timeout + 1,
            "server_settings": {
                "application_name": "smarttask",
                "statement_timeout": statement_ms,
                "lock_timeout": statement_ms,
                "idle_in_transaction_session_timeout": str(int(statement_ms) * 3),
            },
        },
    )
    _ping_idle_connections(engine, settings)
    return engine


def create_core_engine(settings: DatabaseSettings) -> Engine:
    """The engine for the configured URL in its sync form, with the dialect's safety settings.

    Its work runs through `greenlet_spawn` (db/connections.py), or wrapped in an AsyncEngine.
    """
    # The URL names an async driver (aiosqlite, asyncpg), whose dialect and pool
    # (AsyncAdaptedQueuePool, or SQLite's own) create_engine picks as create_async_engine
    # does; create_async_engine only adds the AsyncEngine around it.
    if settings.is_sqlite:
        return _sqlite_engine(settings)
    return _postgres_engine(settings)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine for the configured URL with the dialect's safety settings."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    return AsyncEngine(create_core_engine(settings))


_MAX_COMPILED = 1024


class Database:
    """The process's engines, created on first use and shared by every request."""

    def __init__(
        self,
        settings: DatabaseSettings,
        *,
        jobs: JobSettings | None = None,
        reactions: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        # How sessions of this database enqueue jobs (jobs/queue.py): SQS after commit or not.
        self.job_settings = jobs
        # Modules whose `react(session, events)` runs before each commit that published
        # events (events/outbox.py); the runtime passes the wiring point's.
        self.reactions = reactions
        # Called with (stream, last sequence) after a commit that published events, in this
        # process (the live hub wakes its subscribers without waiting for the database).
        self.commit_listeners: list[Callable[[str, int], None]] = []
        self._core: Engine | None = None
        self._read_core: Engine | None = None
        self._engine: AsyncEngine | None = None
        self._read_engine: AsyncEngine | None = None
        self._compiled: dict[int, tuple[Executable, Compiled]] = {}
        self._idle = IdleConnections(settings)

    @property
    def core(self) -> Engine:
        """The writers' engine in its sync form (see `create_core_engine`); one pool for all."""
        if self._core is None:
            self._core = create_core_engine(self.settings)
        return self._core

    @property
    def read_core(self) -> Engine:
        """`core` for read-only work: no write lock on SQLite, no BEGIN/COMMIT on PostgreSQL."""
        if self._read_core is None:
            if self.settings.is_sqlite:
                self._read_core = self.core.execution_options(writes=False)
            else:
                self._read_core = self.core.execution_options(isolation_level="AUTOCOMMIT")
        return self._read_core

    @property
    def engine(self) -> AsyncEngine:
        """The engine for transactions that write (`core` wrapped for asyncio)."""
        if self._engine is None:
            from sqlalchemy.ext.asyncio import AsyncEngine

            self._engine = AsyncEngine(self.core)
        return self._engine

    @property
    def read_engine(self) -> AsyncEngine:
        """The engine for read-only ORM sessions (`read_core` wrapped for asyncio)."""
        if self._read_engine is None:
            from sqlalchemy.ext.asyncio import AsyncEngine

            self._read_engine = AsyncEngine(self.read_core)
        return self._read_engine

    def session(self, *, writes: bool = True) -> AsyncSession:
        """A new session bound to `engine`, or to `read_engine` when it does not write."""
        from smarttask.db.hooks import HookedSession  # the ORM: not on a cold start's path

        return HookedSession(
            bind=self.engine if writes else self.read_engine,
            expire_on_commit=False,
            info={DATABASE_KEY: self},  # lets enqueue() find the job queue's settings
        )

    async def ping(self) -> None:
        """Run `SELECT 1` on a pooled connection, read-only (the readiness check)."""
        async with connected(self.read_core, begin=False) as connection:
            await execute(connection, _PING)

    async def fetch_row(
        self, statement: Executable, params: Mapping[str, Any], *, writes: bool = False
    ) -> RowLike | None:
        """The first row of one prebuilt statement, run on its own, committed at once.

        The fast read path's shortcut past the ORM session. On PostgreSQL the statement, compiled
        once, goes straight to the pooled asyncpg connection (a prepared statement, in
        autocommit); its columns must be of types asyncpg returns as SQLAlchemy would:
        strings, integers, booleans, UTC timestamps. On SQLite it runs through Core, in a
        transaction of its own when it writes. Errors are SQLAlchemy's, as on any other path.
        """
        if self.settings.is_sqlite:
            engine = self.core if writes else self.read_core
            async with connected(engine, begin=True) as connection:
                result = await execute(connection, statement, dict(params))
                return result.mappings().first()
        async with self._driver() as reader:
            return await reader.fetch_row(statement, params)

    def open_reader(self) -> AbstractAsyncContextManager[Reader]:
        """A reader: one pooled connection for several prebuilt read statements.

        The fast read path's connection (see `fetch_row`); a request's reader is opened by
        its unit of work (`UnitOfWork.reader`).

        On PostgreSQL each statement is a prepared statement in autocommit, as the ORM's
        read-only sessions run them; on SQLite they share one read transaction.
        """
        if self.settings.is_sqlite:
            return self._sqlite_reader()
        return self._driver()

    @asynccontextmanager
    async def _sqlite_reader(self) -> AsyncIterator[Reader]:
        async with connected(self.read_core, begin=True) as connection:
            yield CoreReader(connection)

    @asynccontextmanager
    async def _driver(self) -> AsyncIterator[Reader]:
        pooled = await self._idle.take(self.core)
        healthy = False
        try:
            yield DriverReader(pooled, self._compile)
            healthy = True
        except Exception:
            healthy = True  # an answer such as a 404, or a statement's error: still usable
            raise
        finally:
            await self._idle.give_back(pooled, healthy)

    def _compile(self, statement: Executable) -> Compiled:
        """The statement's PostgreSQL text, its parameters in order and their set values."""
        # Keyed by identity; the entry keeps the statement alive so that its id stays unique.
        found = self._compiled.get(id(statement))
        if found is None or found[0] is not statement:
            if len(self._compiled) >= _MAX_COMPILED:  # statements built per shape are bounded
                self._compiled.clear()
            compiled = statement.compile(dialect=self.core.dialect)  # type: ignore[attr-defined]
            found = (statement, (str(compiled), tuple(compiled.positiontup), compiled.params))
            self._compiled[id(statement)] = found
        return found[1]

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self._idle.release_all()
        if self._core is not None:
            await greenlet_spawn(self._core.dispose)  # as AsyncEngine.dispose() does
        self._core = None
        self._read_core = None
        self._engine = None
        self._read_engine = None

    def pool_use(self) -> dict[str, int]:
        """The writers' pool now: its size, connections checked out (the fast read path's
        idle ones included), overflow connections open, readers waiting (for metrics)."""
        if self._core is None:
            return {"size": self.settings.pool_size, "checked_out": 0, "overflow": 0, "waiting": 0}
        pool: Any = self._core.pool
        checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
        overflow = max(0, pool.overflow()) if hasattr(pool, "overflow") else 0
        size = pool.size() if hasattr(pool, "size") else self.settings.pool_size
        return {
            "size": size,
            "checked_out": checked_out,
            "overflow": overflow,
            "waiting": self._idle.waiting,
        }


async def transaction_reader(session: AsyncSession) -> Reader:
    """A reader of prebuilt statements inside the session's transaction (flushed first).

    A write's own reads and its few Core writes that need no ORM object (the written task's
    body, an event's number, the NOTIFY) skip the ORM's per-statement cost this way: on
    PostgreSQL they go straight to the session's asyncpg connection, inside the transaction
    SQLAlchemy began on it, as the fast read path's statements do (the same rules on column
    types apply, see `Database.fetch_row`); on SQLite, and for a session of no `Database`,
    through Core on the session's connection.
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_TRANSACTION_READER)
    if kept is not None and transaction is not None and kept[0] is transaction:
        same: Reader = kept[1]  # the same transaction, on the same connection
        return same
    connection = await session.connection()
    database = session.info.get(DATABASE_KEY)
    reader: Reader
    if not isinstance(database, Database) or database.settings.is_sqlite:
        assert connection.sync_connection is not None  # a session's connection is open
        reader = CoreReader(connection.sync_connection)
    else:
        pooled = await connection.get_raw_connection()
        if not pooled.driver_connection.is_in_transaction():  # type: ignore[union-attr]
            # The dialect begins the transaction with its first statement: until then the
            # statements go through it (no extra round trip), and the reader is not kept.
            assert connection.sync_connection is not None
            return CoreReader(connection.sync_connection)
        reader = DriverReader(pooled, database._compile)
    session.info[_TRANSACTION_READER] = (session.sync_session.get_transaction(), reader)
    return reader


async def rows_for_ids(
    session: AsyncSession, ids: Sequence[str], *, one: Executable, many: Executable
) -> list[RowLike]:
    """The rows of a read keyed by ids, inside the session's transaction, in one statement.

    One id, what a write usually names: `one` (bound to `:id`) on the transaction's reader.
    Several: `many` (an expanding `:ids`) through the session, since the reader sends a
    statement's text as compiled once, which an expanding list cannot be.
    """
    if not ids:
        return []
    if len(ids) == 1:
        return await (await transaction_reader(session)).fetch_all(one, {"id": ids[0]})
    return list((await session.execute(many, {"ids": list(ids)})).mappings().all())
