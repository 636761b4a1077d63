"""Helpers shared by the tests: databases to test against, settings, clients."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from smarttask.counters import service as counters
from smarttask.db.registry import Base
from smarttask.jobs.registry import JobRegistry, JobSet
from smarttask.kit.schemas import InputSchema
from smarttask.kit.session import SessionDep
from smarttask.settings import Settings
from smarttask.wiring import job_modules

POSTGRES_ADMIN_DSN = os.environ.get(
    "SMARTTASK_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = tuple(
    b.strip()
    for b in os.environ.get("SMARTTASK_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
)


# The test apps' signing key: set, so that no test writes a generated key file.
TEST_SECRET_KEY = "test-apps-signing-key-0123456789-abcdefghijkl"


def job_registry(*extra: JobSet) -> JobRegistry:
    """The application's job registry, joined by tests' own handler sets."""
    return JobRegistry(job_modules(), extra=extra)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test app: explicit values only, no .env file."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "env": "development",
        "secret_key": TEST_SECRET_KEY,
        "log_json": True,
        # Tests write far faster than people; the per-user limit is tested on its own.
        "user_write_rate_limit": "100000/minute",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def create_postgres_database() -> tuple[str, str]:
    """A fresh, empty PostgreSQL database; its SQLAlchemy URL and its name."""
    name = f"smarttask_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_DSN} ({error}). Start it, set "
            "SMARTTASK_TEST_POSTGRES_DSN, or run only SQLite with SMARTTASK_TEST_BACKENDS=sqlite."
        ) from error
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1), name


async def drop_postgres_database(name: str) -> None:
    """Drop a test database, closing what is still connected to it."""
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def sqlite_url(directory: Path) -> str:
    """The URL of a SQLite file in the directory."""
    return f"sqlite+aiosqlite:///{directory / 'smarttask-test.db'}"


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table and reset the seeded rows, between tests."""
    # DELETE, children first, on both databases: a test leaves a few rows, and PostgreSQL's
    # TRUNCATE of 54 tables (new files for each) took 120 ms against DELETE's 10.
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        for table in tables:
            await connection.execute(text(f"DELETE FROM {table}"))
        await connection.execute(text("INSERT INTO counter_quota (id, used) VALUES (1, 0)"))


@asynccontextmanager
async def lifespan_of(app: Any) -> AsyncIterator[None]:
    """Run an app's lifespan around a block."""
    async with app.router.lifespan_context(app):
        yield


class EchoIn(InputSchema):
    """The body of the probe echo route."""

    name: str
    count: int = 0
    tags: list[str] = []


def add_probe_routes(app: Any) -> dict[str, Any]:
    """Test-only routes that exercise the HTTP kit: a JSON echo, a crash, a slow write."""
    gate: dict[str, Any] = {"release": asyncio.Event(), "entered": asyncio.Event()}
    router = APIRouter(prefix="/api/v1/_probe")

    @router.post("/echo", status_code=201)
    async def echo(body: EchoIn) -> dict[str, Any]:
        return body.model_dump()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail: password=hunter2 at /srv/secret.py")

    @router.post("/slow-increment")
    async def slow_increment(session: SessionDep) -> dict[str, Any]:
        counter = await counters.increment(session, "slow", max_counters=1000)
        gate["entered"].set()
        await gate["release"].wait()
        return {"value": counter.value}

    @router.post("/increment-then-fail")
    async def increment_then_fail(session: SessionDep) -> None:
        await counters.increment(session, "doomed", max_counters=1000)
        raise RuntimeError("failure after a write")

    app.include_router(router)
    return gate


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (closed again: nobody listens on it until taken)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
