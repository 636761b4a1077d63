"""Connections of an engine's sync form, driven from asyncio without `sqlalchemy.ext.asyncio`.

`sqlalchemy.ext.asyncio` imports the whole ORM (its package imports `AsyncSession`): a
large share of a Lambda cold start's CPU (docs/benchmarks.md). The cold path's statements
(the readiness check, the fast reads of the counters, of callers and of tasks) only need
Core, so they run on the sync `Engine` of the async driver through `greenlet_spawn`, in the
same steps as `AsyncEngine.connect()` and `AsyncEngine.begin()` take: connect, begin,
execute, end the transaction, close (the close runs to completion even if the caller is
cancelled).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import greenlet_spawn

T = TypeVar("T")


async def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Await `coroutine` in a task of its own to its end, even if the caller is cancelled.

    A cancellation received meanwhile is raised once it has completed. The same as what
    AsyncConnection's `async with` exit does for its close (SQLAlchemy's helper for it,
    `sqlalchemy.ext.asyncio.base._run_to_completion`, is private and imports the ORM).
    """
    task = asyncio.create_task(coroutine)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                raise
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled
    return result


@asynccontextmanager
async def connected(engine: Engine, *, begin: bool) -> AsyncIterator[Connection]:
    """A pooled connection as `AsyncEngine.begin()` (or `.connect()`) gives one, in Core.

    With `begin`, in a transaction committed on success and rolled back on error; closed on
    exit. Run its statements with `execute` below: the driver's awaits need `greenlet_spawn`.
    """
    connection = await greenlet_spawn(engine.connect)
    try:
        if not begin:
            yield connection
            return
        transaction = await greenlet_spawn(connection.begin)
        transaction.__enter__()  # as AsyncTransaction.start(is_ctxmanager=True) does
        try:
            yield connection
        except BaseException:
            await greenlet_spawn(transaction.__exit__, *sys.exc_info())
            raise
        await greenlet_spawn(transaction.__exit__, None, None, None)
    finally:
        await run_to_completion(greenlet_spawn(connection.close))


async def execute(
    connection: Connection, statement: Executable, params: dict[str, Any] | None = None
) -> CursorResult[Any]:
    """Run one statement on the connection, as `AsyncConnection.execute` does (buffered)."""
    result: CursorResult[Any] = await greenlet_spawn(connection.execute, statement, params)
    return result
