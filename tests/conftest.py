"""Fixtures: every integration test runs against SQLite and PostgreSQL, on real migrations."""

from __future__ import annotations

import asyncio
import os
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smarttask.app import create_app
from smarttask.db.engine import Database
from smarttask.db.migrate import upgrade
from smarttask.settings import Settings
from tests.support import (
    BACKENDS,
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    sqlite_url,
    truncate_all,
)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind under test: sqlite or postgresql."""
    return str(request.param)


@pytest.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated, empty database of the backend, for the whole session."""
    if backend == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("sqlite"))
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    url, name = await create_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await drop_postgres_database(name)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    """Settings of the app under test."""
    return make_settings(database_url, **settings_overrides)


@pytest.fixture
async def clean_database(database_url: str) -> AsyncIterator[None]:
    """Every test starts with empty tables."""
    database = Database(make_settings(database_url).database)
    await truncate_all(database.engine)
    await database.dispose()
    return


@pytest.fixture
async def app(settings: Settings, clean_database: None) -> AsyncIterator[Any]:
    """The application under test, on a clean database."""
    application = create_app(settings)
    yield application
    await application.state.database.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def repo_root() -> Path:
    """The repository's root folder."""
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def client_with(database_url: str, clean_database: None) -> AsyncIterator[Any]:
    """A factory of clients for apps with extra settings: `await client_with(max_counters=3)`."""
    apps: list[Any] = []
    clients: list[httpx.AsyncClient] = []

    async def factory(**overrides: Any) -> httpx.AsyncClient:
        application = create_app(make_settings(database_url, **overrides))
        apps.append(application)
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        return http

    yield factory
    for http in clients:
        await http.aclose()
    for application in apps:
        await application.state.database.dispose()


# pytester: runs pytest on made-up files (tests/unit/test_log_scan.py); log_scan: the
# suite-wide secret scan; sso: the local OpenID provider and GitHub fixtures.
pytest_plugins = ["pytester", "tests.support.log_scan", "tests.support.sso"]


DATABASES = ("sqlite", "postgresql")


def _share(item: pytest.Item) -> str:
    """`sqlite` or `postgresql`: which process of tests/run_suite.py runs a database-free test.

    PostgreSQL's process takes a third of them (and those that bring their own PostgreSQL):
    its own database-bound tests take longer than SQLite's, so this evens the two out.
    """
    if item.get_closest_marker("postgres_only"):
        return "postgresql"
    name = f"{item.path.relative_to(item.config.rootpath)}::{getattr(item, 'originalname', '')}"
    return "postgresql" if zlib.crc32(name.encode()) % 3 == 0 else "sqlite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) the SQLite instances of tests marked `postgres_only`, and the
    tests without a database that SMARTTASK_TEST_SHARED leaves to another process.

    A `postgres_only` test without a backend parameter (it brings its own PostgreSQL) is
    deselected when SMARTTASK_TEST_BACKENDS does not name postgresql.
    """
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    # tests/run_suite.py runs one process per backend; each test that does not depend on the
    # database runs in one of them only. SMARTTASK_TEST_SHARED is `1` (all of them, the
    # default), `0` (none), or `sqlite` / `postgresql`: a share each, by a stable hash of the
    # test function (all its parametrizations together), those that bring their own
    # PostgreSQL going with `postgresql`.
    shared = os.environ.get("SMARTTASK_TEST_SHARED", "1")
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        # The database fixtures parametrized by backend: `backend`, and the browser tests'
        # live `server`.
        backend = next(
            (params[name] for name in ("backend", "server") if params.get(name) in DATABASES),
            None,
        )
        if backend is None and shared != "1" and _share(item) != shared:
            dropped.append(item)
            continue
        if backend is None and "postgresql" not in BACKENDS:
            backend = "sqlite"
        if item.get_closest_marker("postgres_only") and backend == "sqlite":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
