"""The migration function (entrypoints/lambda_migrate.py) as CloudFormation drives it.

Each test gets a fresh, empty database (a SQLite file, or a new PostgreSQL database), a
cold container configured by environment as in AWS, and a local HTTP server standing in
for the custom resource's presigned ResponseURL: it records the PUT the handler sends.
Events are built from tests/fixtures/aws-events/cloudformation-custom-resource-create.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from smarttask.db.migrate import head_revision
from smarttask.db.registry import Base
from smarttask.entrypoints import lambda_migrate
from smarttask.settings import get_settings
from tests.support import create_postgres_database, drop_postgres_database, sqlite_url
from tests.support.lambda_events import LambdaContext, sample
from tests.support.log_scan import register_secret

SECRET_KEY = "migrate-test-signing-key-0123456789-abcdefgh"
DB_PASSWORD = "pa55word-that-must-not-leak"


@dataclass
class Put:
    """One request the stand-in for the presigned URL received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class ResponseUrl:
    """A local HTTP server recording what is PUT to it, as S3 would store it."""

    def __init__(self) -> None:
        self.puts: list[Put] = []
        received = self.puts

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                received.append(Put("PUT", self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.base = f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Context(LambdaContext):
    """A Lambda context whose remaining time the test chooses."""

    remaining_ms: int = 600_000
    log_stream_name: str = "2025/02/03/[live]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        """Time left before the invocation times out."""
        return self.remaining_ms


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    """The stand-in for CloudFormation's presigned response URL."""
    server = ResponseUrl()
    yield server
    server.close()


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the backend under test."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url, name = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(name))


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A cold container configured by environment, as the template configures it."""
    for name in list(os.environ):
        if name.startswith("SMARTTASK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMARTTASK_ENV", "production")
    monkeypatch.setenv("SMARTTASK_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("SMARTTASK_AUTO_MIGRATE", "false")
    monkeypatch.setenv("SMARTTASK_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("SMARTTASK_DB_STATEMENT_TIMEOUT", "5")
    register_secret(SECRET_KEY)
    register_secret(DB_PASSWORD)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point the container at a database."""
    monkeypatch.setenv("SMARTTASK_DATABASE_URL", url)
    get_settings.cache_clear()


def event(response_url: ResponseUrl, request_type: str = "Create") -> dict[str, Any]:
    """A custom resource request of the type, answered to the local server."""
    request = sample("cloudformation-custom-resource-create.json")
    query = request["ResponseURL"].split("?", 1)[1]
    request["ResponseURL"] = f"{response_url.base}/cfn-response?{query}"
    request["RequestType"] = request_type
    if request_type != "Create":
        request["PhysicalResourceId"] = "smarttask-database-schema"
    if request_type == "Update":
        request["OldResourceProperties"] = {
            **request["ResourceProperties"],
            "FunctionVersion": request["ResourceProperties"]["FunctionVersion"][:-1] + "2",
        }
    return request


def schema(url: str) -> tuple[str | None, set[str]]:
    """The database's Alembic revision (None without one) and its table names."""

    async def read() -> tuple[str | None, set[str]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
                if "alembic_version" not in tables:
                    return None, tables
                revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
                return revision, tables
        finally:
            await engine.dispose()

    return asyncio.run(read())


def answered(response_url: ResponseUrl) -> Put:
    """The one answer CloudFormation received."""
    assert len(response_url.puts) == 1, response_url.puts
    return response_url.puts[0]


def identifies(body: dict[str, Any], request: dict[str, Any]) -> None:
    """The answer names the request it answers, as CloudFormation requires."""
    assert body["StackId"] == request["StackId"]
    assert body["RequestId"] == request["RequestId"]
    assert body["LogicalResourceId"] == "DatabaseMigration"
    assert body["PhysicalResourceId"] == "smarttask-database-schema"


def test_create_migrates_a_fresh_database_to_head_and_answers_success(
    container: None,
    fresh_url: str,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, fresh_url)
    request = event(response_url, "Create")

    lambda_migrate.handler(request, Context())

    revision, tables = schema(fresh_url)
    assert revision == head_revision()
    assert set(Base.metadata.tables) <= tables
    put = answered(response_url)
    assert put.path.startswith("/cfn-response?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    # The presigned URL was signed without a content type: an empty one is sent.
    assert put.headers.get("Content-Type") == ""
    assert put.body["Status"] == "SUCCESS"
    assert put.body["Data"] == {"Revision": head_revision()}
    identifies(put.body, request)


def test_update_migrates_again_and_keeps_the_physical_id(
    container: None,
    fresh_url: str,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, fresh_url)
    lambda_migrate.handler(event(response_url, "Create"), Context())
    request = event(response_url, "Update")

    lambda_migrate.handler(request, Context())

    assert len(response_url.puts) == 2
    body = response_url.puts[1].body
    assert body["Status"] == "SUCCESS"
    identifies(body, request)
    assert schema(fresh_url)[0] == head_revision()


def set_revision(url: str, revision: str) -> None:
    """Write a revision into the database's alembic_version, as a newer release would."""

    async def write() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
                )
        finally:
            await engine.dispose()

    asyncio.run(write())


def test_a_rollback_onto_a_newer_schema_succeeds_and_leaves_it_alone(
    container: None,
    fresh_url: str,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, fresh_url)
    lambda_migrate.handler({}, Context())
    set_revision(fresh_url, "2099_01_01_from_the_next_release")
    tables = schema(fresh_url)[1]
    request = event(response_url, "Update")

    lambda_migrate.handler(request, Context())

    put = answered(response_url)
    assert put.body["Status"] == "SUCCESS"
    assert put.body["Data"] == {"Revision": "2099_01_01_from_the_next_release"}
    identifies(put.body, request)
    assert schema(fresh_url) == ("2099_01_01_from_the_next_release", tables)
    assert lambda_migrate.handler({}, Context()) == {
        "status": "ahead",
        "revision": "2099_01_01_from_the_next_release",
    }


def unreachable_url(backend: str, tmp_path: Path) -> str:
    """A database URL that cannot be opened, with a password in it where it has one."""
    if backend == "sqlite":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the database's folder should be")
        return f"sqlite+aiosqlite:///{blocker / 'smarttask.db'}"
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    return f"postgresql+asyncpg://smarttask:{DB_PASSWORD}@127.0.0.1:9/smarttask"


def test_a_failed_migration_answers_failed_with_a_reason_and_no_secret(
    container: None,
    backend: str,
    tmp_path: Path,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    use_database(monkeypatch, unreachable_url(backend, tmp_path))
    request = event(response_url, "Create")

    lambda_migrate.handler(request, Context())

    put = answered(response_url)
    assert put.body["Status"] == "FAILED"
    identifies(put.body, request)
    reason = put.body["Reason"]
    assert reason.startswith("migration failed: ")
    assert "Error" in reason  # the error's type says what went wrong
    assert "log stream 2025/02/03/[live]0123456789abcdef" in reason
    assert DB_PASSWORD not in reason
    assert SECRET_KEY not in reason
    assert put.body["Data"] == {}
    # The handler's own logging replaces the suite's log scan: read what it wrote.
    logged = capfd.readouterr().err
    assert "database migration failed" in logged
    assert DB_PASSWORD not in logged
    assert SECRET_KEY not in logged


def test_a_plain_invoke_that_fails_raises_without_the_password(
    container: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    use_database(monkeypatch, unreachable_url("postgresql", tmp_path))

    with pytest.raises(lambda_migrate.MigrationError) as raised:
        lambda_migrate.handler({}, Context())

    assert DB_PASSWORD not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    assert DB_PASSWORD not in capfd.readouterr().err


def test_delete_answers_success_without_touching_the_database(
    container: None,
    fresh_url: str,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, fresh_url)
    request = event(response_url, "Delete")

    lambda_migrate.handler(request, Context())

    put = answered(response_url)
    assert put.body["Status"] == "SUCCESS"
    identifies(put.body, request)
    if fresh_url.startswith("sqlite"):
        assert not Path(fresh_url.split("///", 1)[1]).exists()
    else:
        assert schema(fresh_url) == (None, set())


def test_delete_succeeds_even_when_the_database_is_unreachable(
    container: None,
    backend: str,
    tmp_path: Path,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, unreachable_url(backend, tmp_path))

    lambda_migrate.handler(event(response_url, "Delete"), Context())

    assert answered(response_url).body["Status"] == "SUCCESS"


def test_a_plain_invoke_migrates_and_returns_the_revision(
    container: None, fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, fresh_url)

    first = lambda_migrate.handler({}, Context())
    again = lambda_migrate.handler({}, Context())

    assert first == again == {"status": "migrated", "revision": head_revision()}
    assert schema(fresh_url)[0] == head_revision()


class WriteLock:
    """Another connection holding the database's write lock until released."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.taken = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._hold()), daemon=True)

    async def _hold(self) -> None:
        engine = create_async_engine(self.url)
        try:
            async with engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    # Readers wait too: the migration blocks on its first statement.
                    await connection.exec_driver_sql("BEGIN EXCLUSIVE")
                else:
                    # Uncommitted: the migration's own CREATE TABLE waits for this one.
                    await connection.execute(
                        text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
                    )
                self.taken.set()
                await asyncio.to_thread(self.release.wait)
                await connection.rollback()
        finally:
            await engine.dispose()

    def __enter__(self) -> WriteLock:
        self.thread.start()
        assert self.taken.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def test_a_migration_that_outlasts_the_invocation_answers_failed_in_time(
    container: None,
    fresh_url: str,
    response_url: ResponseUrl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_database(monkeypatch, fresh_url)
    # One second of budget after the safety margin; the lock holds the migration longer.
    context = Context(remaining_ms=int((lambda_migrate.SAFETY_MARGIN_SECONDS + 1) * 1000))
    request = event(response_url, "Create")

    with WriteLock(fresh_url):
        lambda_migrate.handler(request, context)
        put = answered(response_url)  # answered while the migration is still blocked

    assert put.body["Status"] == "FAILED"
    assert "did not finish within 1 s" in put.body["Reason"]
    identifies(put.body, request)
    # The abandoned migration ends (done or failed) before the database is dropped.
    for thread in threading.enumerate():
        if thread.name == "smarttask-migrate":
            thread.join(30)
