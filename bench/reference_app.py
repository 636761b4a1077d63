"""Bare reference for the HTTP benchmark: Starlette + asyncpg, smarttask's SQL, no framework.

Serve it like smarttask (uvicorn, 2 workers, no access log):

    BENCH_REFERENCE_DSN=postgresql://postgres@127.0.0.1:5432/smarttask_bench \
        .venv/bin/python -m uvicorn reference_app:app --app-dir bench --workers 2 --no-access-log

The pool has the same bounds as smarttask's default SQLAlchemy pool (10 kept, 20 at most).
Reads and the hot increment are single statements in autocommit; creating a counter runs
smarttask's creation SQL (insert, then take a quota slot) in one transaction.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DSN_ENV = "BENCH_REFERENCE_DSN"
MAX_COUNTERS = 1000

INCREMENT = (
    "UPDATE counter SET value = counter.value + 1, updated_at = $2 WHERE counter.name = $1 "
    "RETURNING counter.name, counter.value, counter.created_at, counter.updated_at"
)
INSERT = (
    "INSERT INTO counter (name, value, created_at, updated_at) VALUES ($1, 1, $2, $2) "
    "ON CONFLICT (name) DO NOTHING "
    "RETURNING counter.name, counter.value, counter.created_at, counter.updated_at"
)
RESERVE = (
    "UPDATE counter_quota SET used = counter_quota.used + 1 "
    "WHERE counter_quota.id = 1 AND counter_quota.used < $1 RETURNING counter_quota.used"
)
READ = (
    "SELECT counter.name, counter.value, counter.created_at, counter.updated_at "
    "FROM counter WHERE counter.name = $1"
)


def _rfc3339(value: datetime) -> str:
    """An aware timestamp as RFC 3339 in UTC with a Z suffix."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _body(row: asyncpg.Record) -> dict[str, Any]:
    """The JSON body smarttask answers for a counter row."""
    return {
        "name": row["name"],
        "value": row["value"],
        "created_at": _rfc3339(row["created_at"]),
        "updated_at": _rfc3339(row["updated_at"]),
    }


def _pool(request: Request) -> asyncpg.Pool:
    """The worker's connection pool."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _create(connection: asyncpg.Connection, name: str, now: datetime) -> asyncpg.Record:
    """Create a counter at 1 (or increment it if another request won the race)."""
    async with connection.transaction():
        row = await connection.fetchrow(INSERT, name, now)
        if row is None:
            return await connection.fetchrow(INCREMENT, name, now)
        if await connection.fetchval(RESERVE, MAX_COUNTERS) is None:
            raise LookupError("counter quota reached")
        return row


async def increment(request: Request) -> JSONResponse:
    """POST /api/v1/counters/{name}/increment."""
    name = request.path_params["name"]
    now = datetime.now(UTC)
    async with _pool(request).acquire() as connection:
        row = await connection.fetchrow(INCREMENT, name, now)
        if row is None:
            try:
                row = await _create(connection, name, now)
            except LookupError:
                return JSONResponse({"detail": "too many counters"}, status_code=409)
    return JSONResponse(_body(row))


async def read(request: Request) -> JSONResponse:
    """GET /api/v1/counters/{name}."""
    async with _pool(request).acquire() as connection:
        row = await connection.fetchrow(READ, request.path_params["name"])
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(_body(row))


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the pool at start-up, close it at shutdown."""
    dsn = os.environ.get(DSN_ENV, "postgresql://postgres@127.0.0.1:5432/smarttask_bench")
    app.state.pool = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/api/v1/counters/{name}/increment", increment, methods=["POST"]),
        Route("/api/v1/counters/{name}", read, methods=["GET"]),
    ],
    lifespan=lifespan,
)
