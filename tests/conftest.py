"""Fixtures: every integration test runs against SQLite and PostgreSQL, on real migrations."""

from __future__ import annotations

import asyncio
import os
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


pytest_plugins = ["tests.support.log_scan"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) the SQLite instances of tests marked `postgres_only`, and the
    tests without a database when SMARTTASK_TEST_SHARED=0.

    A `postgres_only` test without a backend parameter (it brings its own PostgreSQL) is
    deselected when SMARTTASK_TEST_BACKENDS does not name postgresql.
    """
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    # tests/run_suite.py runs one process per backend; the tests that do not depend on the
    # database run in one of them only.
    shared = os.environ.get("SMARTTASK_TEST_SHARED", "1") != "0"
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        if backend is None and not shared:
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
