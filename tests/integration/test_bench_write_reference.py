"""The write benchmark's bare reference runs exactly smarttask's SQL and answers the same bodies.

For each of the four writes of bench/writes_load.py, on PostgreSQL: the statements smarttask
runs (an SQLAlchemy listener on its engine, transactions included, and the statements its
driver readers send past SQLAlchemy, inside the same transactions) are the reference's list
in bench/write_reference_app.py, and the reference, served on the same database, runs that
same list (asyncpg's query logger) and answers the same body.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from smarttask.db.readers import DriverReader
from tests.support import TEST_SECRET_KEY
from tests.support.accounts import register_and_login

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reference_app
import write_reference_app as reference

pytestmark = pytest.mark.postgres_only
API = "/api/v1"
# What differs between two writes of the same kind: ids, instants, numbers, versions.
_VARYING = ("id", "key", "number", "created_at", "updated_at", "rank", "version", "title")


@contextmanager
def smarttask_statements(app: Any) -> Iterator[list[str]]:
    """The statements (and BEGIN, COMMIT, ROLLBACK) smarttask's engine runs in the block."""
    engine = app.state.database.core
    seen: list[str] = []

    def statement(_c: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    hooks: list[tuple[str, Any]] = [("before_cursor_execute", statement)]
    for name in ("begin", "commit", "rollback"):
        hooks.append((name, lambda *_a, word=name.upper(): seen.append(word)))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    run = DriverReader._run

    async def driver_statement(
        reader: DriverReader, method: str, statement: Any, params: Any
    ) -> Any:
        # Those of a write's transaction, and the writes committed on their own (the key's
        # claim); not the reads before it: the key owner's check comes from a server
        # worker's cache of callers under load, in the benchmark.
        sql = reader._compile(statement)[0]
        if reader._pooled.driver_connection.is_in_transaction() or sql.startswith("INSERT"):  # type: ignore[union-attr]
            seen.append(sql)
        return await run(reader, method, statement, params)

    DriverReader._run = driver_statement  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        DriverReader._run = run  # type: ignore[method-assign]
        for name, hook in hooks:
            event.remove(engine, name, hook)


@pytest.fixture
async def reference_client(database_url: str, app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The reference, on the test's database, with a query logger on its one connection."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=1, connection_class=reference_app._NoResetConnection
    )
    reference.app.state.pool = pool
    reference.app.state.jwt_secret = TEST_SECRET_KEY
    reference.app.state.logged = []
    async with pool.acquire() as connection:
        connection.add_query_logger(lambda record: reference.app.state.logged.append(record.query))
    transport = httpx.ASGITransport(app=reference.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://reference") as http:
            yield http
    finally:
        await pool.close()


def _same(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """The body without what differs between two writes of the same kind."""
    assert mine.keys() == theirs.keys()
    return {k: v for k, v in mine.items() if k not in _VARYING}


Request = tuple[str, str, dict[str, Any], dict[str, str]]


async def _write(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    app: Any,
    op: str,
    mine: Request,
    theirs: Request,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request to smarttask (its statements checked), then its like to the reference."""
    expected = list(reference.STATEMENTS[op])
    method, path, body, headers = mine
    with smarttask_statements(app) as seen:
        answer = await clients[0].request(method, path, json=body, headers=headers)
    assert seen == expected, op
    reference.app.state.logged.clear()
    method, path, body, headers = theirs
    other = await clients[1].request(method, path, json=body, headers=headers)
    # asyncpg logs its transactions' statements as `BEGIN;`, `COMMIT;`, `ROLLBACK;`, and
    # its own type introspection (once per connection and array type).
    logged = [
        s.removesuffix(";")
        for s in reference.app.state.logged
        if not s.startswith(("\n", "WITH RECURSIVE typeinfo_tree"))
    ]
    assert logged == expected, op
    assert answer.status_code == other.status_code, (op, other.text)
    for name in ("etag", "location", "content-type"):
        assert answer.headers.get(name) is None or name in other.headers, (op, name)
    mine_body, their_body = answer.json(), other.json()
    assert mine_body.keys() == their_body.keys(), op
    kept = [k for k in mine_body if k not in _VARYING]
    assert {k: mine_body[k] for k in kept} == {k: their_body[k] for k in kept}, op
    return mine_body, their_body


async def test_the_reference_runs_smarttask_write_statements(
    backend: str, client: httpx.AsyncClient, reference_client: httpx.AsyncClient, app: Any
) -> None:
    """Task create, title update, comment create and status change: same SQL, same answers."""
    assert backend == "postgresql"
    auth = await register_and_login(client, "writer@example.com")
    workspace = (await client.post(f"{API}/workspaces", json={"name": "W"}, headers=auth)).json()
    project = (
        await client.post(
            f"{API}/workspaces/{workspace['id']}/projects",
            json={"name": "P", "key": "WRT"},
            headers=auth,
        )
    ).json()
    tasks = [
        (
            await client.post(
                f"{API}/projects/{project['id']}/tasks", json={"title": f"t{n}"}, headers=auth
            )
        ).json()
        for n in range(3)
    ]
    both = (client, reference_client)
    url = f"{API}/projects/{project['id']}/tasks"
    sent = {"title": "A", "priority": "high"}

    def keyed() -> dict[str, str]:
        return {**auth, "Idempotency-Key": uuid.uuid4().hex}

    mine, theirs = await _write(
        both, app, "task create", ("POST", url, sent, keyed()), ("POST", url, sent, keyed())
    )
    assert theirs["rank"] > mine["rank"]
    assert theirs["number"] == mine["number"] + 1

    first, _, last = (f"{API}/tasks/{task['id']}" for task in tasks)
    mine, theirs = await _write(
        both,
        app,
        "task update",
        ("PATCH", first, {"title": "renamed"}, {**auth, "If-Match": '"1"'}),
        ("PATCH", first, {"title": "renamed again"}, {**auth, "If-Match": '"2"'}),
    )
    assert (mine["version"], theirs["version"]) == (2, 3)

    said = {"body": "hello"}
    mine, theirs = await _write(
        both,
        app,
        "comment create",
        ("POST", f"{first}/comments", said, keyed()),
        ("POST", f"{first}/comments", said, keyed()),
    )
    assert theirs["body"] == "hello"

    # Each task moves to the end of the other column: its rank changes (and is written).
    for mine_match, their_match, status in (('"1"', '"3"', "in_progress"), ('"2"', '"4"', "todo")):
        mine, theirs = await _write(
            both,
            app,
            "status change",
            ("PATCH", last, {"status": status}, {**auth, "If-Match": mine_match}),
            ("PATCH", first, {"status": status}, {**auth, "If-Match": their_match}),
        )
        assert mine["status"] == theirs["status"] == status


async def test_the_reference_replays_a_key_and_refuses_a_stale_if_match(
    backend: str, client: httpx.AsyncClient, reference_client: httpx.AsyncClient
) -> None:
    """The reference keeps the rules its bench requests exercise: replay, 412."""
    assert backend == "postgresql"
    auth = await register_and_login(client, "keeper@example.com")
    workspace = (await client.post(f"{API}/workspaces", json={"name": "W"}, headers=auth)).json()
    project = (
        await client.post(
            f"{API}/workspaces/{workspace['id']}/projects",
            json={"name": "P", "key": "KEP"},
            headers=auth,
        )
    ).json()
    path = f"{API}/projects/{project['id']}/tasks"
    headers = {**auth, "Idempotency-Key": "same"}
    first = await reference_client.post(path, json={"title": "once"}, headers=headers)
    again = await reference_client.post(path, json={"title": "once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    other = await reference_client.post(path, json={"title": "other"}, headers=headers)
    assert other.status_code == 422
    listed = await client.get(path, headers=auth)
    assert [t["title"] for t in listed.json()["items"]] == ["once"]
    task_path = f"{API}/tasks/{first.json()['id']}"
    stale = await reference_client.patch(
        task_path, json={"title": "x"}, headers={**auth, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    assert (await client.get(task_path, headers=auth)).json()["title"] == "once"
