"""What events add to a task write: statements and microseconds, SQLite and PostgreSQL.

In process (httpx's ASGI transport, no network): a workspace, a project, one task; then N
`PATCH /api/v1/tasks/{id}` title changes, measured three ways on the same app:

- no events: `outbox.emit` replaced by a no-op (what a write cost before the event log);
- events, reactions off: the Database's `reactions` tuple emptied (numbering, insert, NOTIFY);
- events and reactions: the wiring's reactions (notifications, webhook deliveries) on.

The three ways take turns write by write (the machine's other load weighs on each alike).

Printed per database and way: SQL statements per write (counted on the engine) and the
median and p90 wall time of a write, and what events add over "no events".

    .venv/bin/python bench/write_cost.py [--writes 300] [--databases sqlite,postgresql]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

ADMIN_DSN = os.environ.get(
    "SMARTTASK_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench-harbour-lantern-2026"


async def create_postgres() -> tuple[str, str]:
    """A fresh PostgreSQL database; its URL and name."""
    name = f"smarttask_bench_wc_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1), name


async def drop_postgres(name: str) -> None:
    """Drop the benchmark's database."""
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(
    http: httpx.AsyncClient,
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """Through the API: an account signed in, a workspace, a project and one task in it;
    the account's headers, the project and the task."""
    email = f"w-{uuid.uuid4().hex[:6]}@example.com"
    account = {"email": email, "password": PASSWORD, "name": "W"}
    await http.post("/api/v1/auth/register", json=account)
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    workspace = (await http.post("/api/v1/workspaces", json={"name": "W"}, headers=headers)).json()
    project = (
        await http.post(
            f"/api/v1/workspaces/{workspace['id']}/projects",
            json={"name": "W", "key": "WC"},
            headers=headers,
        )
    ).json()
    task = (
        await http.post(
            f"/api/v1/projects/{project['id']}/tasks", json={"title": "t"}, headers=headers
        )
    ).json()
    return headers, project, task


@contextmanager
def counting(app: Any) -> Iterator[list[int]]:
    """Count the statements the app's engine runs inside the block."""
    engine = app.state.database.core
    count = [0]

    def before(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def no_events() -> Iterator[None]:
    """Every `outbox.emit` does nothing inside the block."""
    from smarttask.events import outbox

    real = outbox.emit
    outbox.emit = lambda *_args, **_kwargs: None  # type: ignore[assignment,return-value]
    try:
        yield
    finally:
        outbox.emit = real  # type: ignore[method-assign]


async def measure(url: str, writes: int) -> dict[str, tuple[float, float, float]]:
    """Statements per write, median and p90 microseconds, per way of writing."""
    from smarttask.app import create_app
    from smarttask.settings import Settings

    directory = tempfile.mkdtemp(prefix="smarttask-wc-")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        secret_key="bench-" + "k" * 40,
        data_dir=directory,
        rate_limit_enabled=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    results: dict[str, tuple[float, float, float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        headers, _, task = await seed(http)
        database = app.state.database
        wired = database.reactions
        ways = (("no events", ()), ("events, reactions off", ()), ("events + reactions", wired))
        # The ways take turns write by write, so that whatever else the machine does
        # weighs on each alike; the first round warms up, the second is measured.
        counter = 0
        for round_number in range(2):
            times: dict[str, list[float]] = {name: [] for name, _ in ways}
            statements = dict.fromkeys(times, 0)
            for _ in range(writes):
                for name, reactions in ways:
                    database.reactions = reactions
                    counter += 1
                    with (
                        no_events() if name == "no events" else _nothing(),
                        counting(app) as count,
                    ):
                        started = time.perf_counter()
                        response = await http.patch(
                            f"/api/v1/tasks/{task['id']}",
                            json={"title": f"t{counter}"},
                            headers=headers,
                        )
                        times[name].append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text
                    statements[name] += count[0]
            if round_number == 1:
                for name in times:
                    ordered = sorted(times[name])
                    results[name] = (
                        statements[name] / writes,
                        statistics.median(ordered) * 1e6,
                        ordered[int(0.9 * len(ordered))] * 1e6,
                    )
        database.reactions = wired
    await app.state.database.dispose()
    return results


@contextmanager
def _nothing() -> Iterator[None]:
    yield


async def main_async(args: argparse.Namespace) -> None:
    """Run on each database and print the table."""
    for kind in args.databases.split(","):
        name = None
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='smarttask-wc-')}/wc.db"
        else:
            url, name = await create_postgres()
        try:
            from smarttask.db.migrate import upgrade

            await asyncio.to_thread(upgrade, url)
            results = await measure(url, args.writes)
        finally:
            if name is not None:
                await drop_postgres(name)
        base = results["no events"]
        print(f"{kind}: {args.writes} title changes (PATCH /api/v1/tasks/{{id}}), in process")
        for way, (statements, median, p90) in results.items():
            extra = ""
            if way != "no events":
                extra = (
                    f"  (+{statements - base[0]:.1f} statements, +{median - base[1]:.0f} µs median)"
                )
            print(f"  {way:22s} {statements:5.1f} statements/write  median {median:7.0f} µs"
                  f"  p90 {p90:7.0f} µs{extra}")  # fmt: skip


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
