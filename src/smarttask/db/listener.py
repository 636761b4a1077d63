"""PostgreSQL LISTEN on a connection of its own, with a bound on how late it can be.

A `Listener` hands every notification of its channel to a callback, in commit order. It
pings PostgreSQL on the same connection every `interval` seconds: PostgreSQL delivers a
notification before the answer to any later statement, so once a ping sent at time T
has come back, every notification committed before T has been handled. `fresh_within`
tells the caller whether that holds for a recent enough T; when the connection fails or
a ping does not come back in time it is false, `on_reset` runs (nothing seen before can be
trusted any more), and the listener reconnects with a growing pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from smarttask.db.background import stop_task
from smarttask.settings import DatabaseSettings

log = logging.getLogger("smarttask.db.listener")

_MAX_PAUSE = 5.0


def driver_dsn(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _NotReady(Exception):
    """The database cannot send the notifications yet."""


class Listener:
    """LISTEN to one channel; notifications and resets go to the callbacks."""

    def __init__(
        self,
        settings: DatabaseSettings,
        channel: str,
        on_notify: Callable[[str], None],
        on_reset: Callable[[], None],
        *,
        interval: float = 0.5,
        precondition: str | None = None,
    ) -> None:
        self._settings = settings
        self._channel = channel
        self._on_notify = on_notify
        self._on_reset = on_reset
        self.interval = interval
        # A query that must answer true before the listener counts as fresh (e.g. that the
        # triggers which send the notifications exist); checked on every connection.
        self._precondition = precondition
        self._fresh_as_of: float | None = None  # monotonic send time of the last answered ping
        self._answered = False  # a ping came back on the current connection
        self._task: asyncio.Task[None] | None = None
        self._connection: Any = None  # the asyncpg connection while listening
        self._turn = asyncio.Lock()  # one statement at a time on the connection

    def fresh_within(self, seconds: float) -> bool:
        """True when every notification committed up to `seconds` ago has been handled."""
        fresh_as_of = self._fresh_as_of
        return fresh_as_of is not None and time.monotonic() - fresh_as_of <= seconds

    async def sync(self) -> bool:
        """Handle every notification committed before now; False when not listening."""
        connection = self._connection
        if connection is None:
            return False
        try:
            await self._ping(connection)
        except Exception:  # the loop sees the same failure, reconnects and resets again
            self._reset()
            return False
        return True

    async def _ping(self, connection: Any) -> None:
        async with self._turn:
            sent = time.monotonic()
            await asyncio.wait_for(connection.fetchval("SELECT 1"), self.interval * 2)
            self._fresh_as_of = max(sent, self._fresh_as_of or sent)
            self._answered = True

    def start(self) -> None:
        """Start listening in the background (in the running event loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"listen-{self._channel}")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            await stop_task(task, every=self.interval)
        self._reset()

    def _reset(self) -> None:
        self._fresh_as_of = None
        self._on_reset()

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)

    async def _run(self) -> None:
        pause = self.interval
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except _NotReady:
                log.warning(
                    "listener of %s waits: precondition not met (database not migrated?)",
                    self._channel,
                )
            except Exception as error:  # any failure: forget, pause, reconnect
                log.warning(
                    "listener of %s lost, its cache is off until it is back",
                    self._channel,
                    extra={"error": type(error).__name__},
                )
            self._reset()
            pause = self.interval if self._answered else min(pause * 2, _MAX_PAUSE)
            self._answered = False
            await asyncio.sleep(pause)

    async def _listen(self) -> None:
        connection: asyncpg.Connection = await asyncpg.connect(
            driver_dsn(self._settings.url),
            timeout=self._settings.connect_timeout,
            server_settings={"application_name": "smarttask-listener"},
        )
        try:
            if self._precondition is not None and not await connection.fetchval(self._precondition):
                raise _NotReady
            await connection.add_listener(self._channel, self._notified)
            connection.add_termination_listener(lambda _connection: self._reset())
            self._connection = connection
            while True:
                await self._ping(connection)
                await asyncio.sleep(self.interval)
        finally:
            self._connection = None
            self._fresh_as_of = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), self._settings.connect_timeout)
            connection.terminate()
