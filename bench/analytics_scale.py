"""Analytics at scale: one workspace with N tasks and two years of history.

Seeds a fresh database (PostgreSQL by default, 1,000,000 tasks; `--sqlite` for a SQLite
file, 100,000 tasks by default) with tasks and their facts drawn from a seeded random
lifecycle (created; most started, then done or cancelled; some reassigned), rebuilds the
aggregates from the facts (`smarttask analytics rebuild`'s code, timed), then times the §8
calls through the app in-process (httpx's ASGI transport: routing, validation, the
service, the SQL, JSON), each against the simplest plain SQL over the raw tasks that gives
the same answer, and measures what the aggregates add to a task write (statements and
microseconds, with the history on and off).

    .venv/bin/python bench/analytics_scale.py [--tasks 1000000] [--requests 200]
    .venv/bin/python bench/analytics_scale.py --sqlite [--tasks 100000]

It prints figures (docs/analytics.md has them); it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
from sqlalchemy import Table, event, insert, text

from smarttask.app import create_app
from smarttask.db.engine import Database
from smarttask.db.migrate import upgrade_async
from smarttask.history import service as history
from smarttask.settings import Settings
from smarttask.tasks import ranks
from smarttask.workflow import service as workflow

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_NAME = "smarttask_bench_analytics"
PASSWORD = "bench-Correct-Horse-7431"
MEMBERS = 40
PROJECTS = 20
DAYS = 730
STATUS_ORDER = ("todo", "in_progress", "done", "cancelled")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--tasks", type=int, help="tasks to seed (1,000,000; SQLite 100,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per call")
    parser.add_argument("--writes", type=int, default=300, help="timed task writes per mode")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the calls on the database an earlier run of this bench left (PostgreSQL)",
    )
    return parser.parse_args()


async def fresh_database(sqlite: bool) -> str:
    """The URL of an empty, migrated database."""
    if sqlite:
        folder = Path(tempfile.mkdtemp(prefix="smarttask-analytics-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    else:
        admin = Database(Settings(database_url=PG_ADMIN, _env_file=None).database)
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)"))
            await connection.execute(text(f"CREATE DATABASE {PG_NAME}"))
        await admin.dispose()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_NAME}"
    await upgrade_async(url)
    return url


def settings_for(url: str) -> Settings:
    """The app's settings for the benchmark."""
    return Settings(
        _env_file=None,
        database_url=url,
        env="development",
        secret_key="bench-secret-key-0123456789abcdef0123456789",
        rate_limit_enabled=False,
        log_level="WARNING",
        jobs_in_process=False,
        ai_summaries=False,
    )


def lifecycle(
    rng: random.Random, created: datetime, people: list[str], now: datetime
) -> list[tuple[datetime, str, str | None]]:
    """A task's (when, status, assignee) steps: created, maybe reassigned, mostly started and
    then done (sometimes reopened and done again) or cancelled; the steps still in the
    future are not there yet. Old tasks are nearly all finished, as in a living workspace:
    about one in eleven tasks is open at the end."""
    settled = now - created > timedelta(days=60)
    assignee = rng.choice(people) if rng.random() < 0.85 else None
    steps = [(created, "todo", assignee)]
    at = created
    if rng.random() < 0.2:
        at = at + timedelta(hours=rng.uniform(1, 48))
        assignee = rng.choice(people)
        steps.append((at, "todo", assignee))
    if rng.random() < (0.98 if settled else 0.8):
        at = at + timedelta(hours=rng.uniform(0.5, 120))
        steps.append((at, "in_progress", assignee))
        roll = rng.random()
        if roll < (0.92 if settled else 0.85):
            at = at + timedelta(hours=rng.expovariate(1 / 60))
            steps.append((at, "done", assignee))
            if rng.random() < 0.05:  # reopened, then done again
                at = at + timedelta(hours=rng.uniform(1, 72))
                steps.append((at, "in_progress", assignee))
                at = at + timedelta(hours=rng.expovariate(1 / 24))
                steps.append((at, "done", assignee))
        elif roll < (0.98 if settled else 0.9):
            at = at + timedelta(hours=rng.uniform(1, 200))
            steps.append((at, "cancelled", assignee))
    return [step for step in steps if step[0] <= now]


async def write_rows(session: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows: COPY on PostgreSQL, executemany on SQLite (a Core insert, not the ORM's
    bulk insert, which would restart each task's version at 1)."""
    if session.bind.dialect.name != "postgresql":
        await session.execute(insert(table), rows)
        return
    columns = [c.name for c in table.columns]
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    records = [tuple(row.get(name) for name in columns) for row in rows]
    await raw.copy_records_to_table(table.name, records=records, columns=columns)


# Indexes dropped while the rows go in, then built once (PostgreSQL): keys stay.
_SEEDED_TABLES = ("task", "task_fact")


async def drop_indexes(database: Database) -> list[str]:
    """Drop the secondary indexes of the seeded tables; their definitions."""
    if database.engine.dialect.name != "postgresql":
        return []
    async with database.engine.begin() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                    "('task', 'task_fact') AND indexname NOT LIKE 'pk_%' "
                    "AND indexname NOT LIKE 'uq_%'"
                )
            )
        ).all()
        for name, _ in rows:
            await connection.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


async def restore_indexes(database: Database, definitions: list[str]) -> None:
    """Build the dropped indexes again."""
    async with database.engine.begin() as connection:
        for definition in definitions:
            await connection.execute(text(definition))


async def seed(
    database: Database, tasks: int, rng: random.Random, owner_id: str, workspace_id: str
) -> tuple[list[str], list[str]]:
    """Members, projects, tasks and facts; (member ids, project ids)."""
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    from smarttask.accounts.models import User
    from smarttask.history.models import TaskFact
    from smarttask.projects.models import Project
    from smarttask.tasks.models import Task
    from smarttask.workspaces.models import Membership

    people = [owner_id] + [str(uuid.uuid4()) for _ in range(MEMBERS - 1)]
    projects = [str(uuid.uuid4()) for _ in range(PROJECTS)]
    stamps = {"created_at": now, "updated_at": now}
    async with database.session() as session:
        await session.execute(
            insert(User),
            [
                {
                    "id": u,
                    "email": f"m{n}@bench.example.com",
                    "name": f"Member {n:02}",
                    "password_hash": None,
                    "is_admin": False,
                    "is_active": True,
                    "totp_enabled": False,
                    **stamps,
                }
                for n, u in enumerate(people[1:])
            ],
        )
        await session.execute(
            insert(Membership),
            [
                {"workspace_id": workspace_id, "user_id": u, "role": "member", **stamps}
                for u in people[1:]
            ],
        )
        await session.execute(
            insert(Project),
            [
                {
                    "id": p,
                    "workspace_id": workspace_id,
                    "name": f"Project {n}",
                    "key": f"P{n:02}",
                    "description": "",
                    "task_counter": 0,
                    "version": 1,
                    **stamps,
                }
                for n, p in enumerate(projects)
            ],
        )
        # Each project's workflow states (as a project made through the API has them).
        states = {
            (p, state.category): state.id
            for p in projects
            for state in await workflow.create_defaults(session, workspace_id, p, now)
        }
        await session.commit()
    numbers = dict.fromkeys(projects, 0)
    dropped = await drop_indexes(database)
    batch = 20_000
    for first in range(0, tasks, batch):
        task_rows: list[dict[str, Any]] = []
        fact_rows: list[dict[str, Any]] = []
        for _ in range(min(batch, tasks - first)):
            created = start + timedelta(seconds=rng.uniform(0, DAYS * 86400))
            project = rng.choice(projects)
            numbers[project] += 1
            task_id = str(uuid.uuid4())
            due = created + timedelta(days=rng.randint(1, 21)) if rng.random() < 0.6 else None
            estimate = rng.choice((None, 30, 60, 120, 240))
            priority = rng.randint(0, 4)
            steps = lifecycle(rng, created, people, now)
            last_at, status, assignee = steps[-1]
            late = status in ("todo", "in_progress") and due is not None and due < now
            risk = "high" if late and rng.random() < 0.5 else None
            for version, (at, step_status, step_assignee) in enumerate(steps, start=1):
                fact_rows.append(
                    {
                        "task_id": task_id,
                        "version": version,
                        "workspace_id": workspace_id,
                        "at": at,
                        "kind": "changed" if version > 1 else "created",
                        "project_id": project,
                        "assignee_id": step_assignee,
                        "status": step_status,
                        "priority": priority,
                        "due_at": due,
                        "estimate_minutes": estimate,
                        "created_at": created,
                    }
                )
            task_rows.append(
                {
                    "id": task_id,
                    "workspace_id": workspace_id,
                    "project_id": project,
                    "number": numbers[project],
                    "title": f"Task {first}",
                    "description": "",
                    "status": status,
                    "priority": priority,
                    "assignee_id": assignee,
                    "reporter_id": owner_id,
                    "due_at": due,
                    "estimate_minutes": estimate,
                    "created_at": created,
                    "updated_at": last_at,
                    "completed_at": last_at if status == "done" else None,
                    "version": len(steps),
                    "reschedule_count": 0,
                    "risk_level": risk,
                    "risk_score": None if risk is None else 0.9,
                    "state_id": states[(project, status)],
                    "rank": ranks.between(None, None) + f"{first:08x}V",
                }
            )
        async with database.session() as session:
            await write_rows(session, cast(Table, Task.__table__), task_rows)
            await write_rows(session, cast(Table, TaskFact.__table__), fact_rows)
            await session.commit()
        print(f"\rseeded {first + len(task_rows):,} tasks", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    await restore_indexes(database, dropped)
    async with database.session() as session:
        for project, count in numbers.items():
            await session.execute(
                text("UPDATE project SET task_counter = :n WHERE id = :id"),
                {"n": count, "id": project},
            )
        await session.commit()
    return people, projects


async def timed(call: Callable[[], Awaitable[Any]], requests: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of `requests` calls (after 5 warm-up calls)."""
    for _ in range(5):
        await call()
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def line(name: str, figures: tuple[float, float], reference: tuple[float, float] | None) -> str:
    """One row of the report."""
    ours = f"p50 {figures[0]:8.2f} ms  p99 {figures[1]:8.2f} ms"
    if reference is None:
        return f"{name:34} {ours}"
    return f"{name:34} {ours}   plain SQL p50 {reference[0]:8.2f} ms  p99 {reference[1]:8.2f} ms"


REFERENCES = {
    "postgresql": {
        "dashboard": [
            "SELECT status, count(*) FROM task WHERE workspace_id = :w GROUP BY status",
            "SELECT count(*) FROM task WHERE workspace_id = :w AND status IN ('todo', "
            "'in_progress') AND due_at < now()",
            "SELECT count(*) FROM task WHERE workspace_id = :w AND status IN ('todo', "
            "'in_progress') AND risk_level = 'high'",
            "SELECT (created_at AT TIME ZONE 'UTC')::date, count(*) FROM task WHERE "
            "workspace_id = :w AND created_at >= :since GROUP BY 1",
            "SELECT (completed_at AT TIME ZONE 'UTC')::date, count(*), "
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY completed_at - created_at) FROM task "
            "WHERE workspace_id = :w AND status = 'done' AND completed_at >= :since GROUP BY 1",
        ],
    },
    "sqlite": {
        "dashboard": [
            "SELECT status, count(*) FROM task WHERE workspace_id = :w GROUP BY status",
            "SELECT count(*) FROM task WHERE workspace_id = :w AND status IN ('todo', "
            "'in_progress') AND due_at < datetime('now')",
            "SELECT count(*) FROM task WHERE workspace_id = :w AND status IN ('todo', "
            "'in_progress') AND risk_level = 'high'",
            "SELECT date(created_at), count(*) FROM task WHERE workspace_id = :w AND "
            "created_at >= :since GROUP BY 1",
            "SELECT date(completed_at), count(*) FROM task WHERE workspace_id = :w AND "
            "status = 'done' AND completed_at >= :since GROUP BY 1",
        ],
    },
}


async def main() -> None:
    """Seed, rebuild, time the calls and the writes; print the figures."""
    args = parse_args()
    tasks = args.tasks or (100_000 if args.sqlite else 1_000_000)
    rng = random.Random(args.seed)
    if args.reuse:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_NAME}"
        await upgrade_async(url)
    else:
        url = await fresh_database(args.sqlite)
    settings = settings_for(url)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        email = "owner@bench.example.com"
        database: Database = app.state.database
        if args.reuse:
            login = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            async with database.session() as session:
                workspace_id = (
                    await session.execute(text("SELECT id FROM workspace"))
                ).scalar_one()
                projects = list(
                    (await session.execute(text("SELECT id FROM project ORDER BY key"))).scalars()
                )
                tasks = (await session.execute(text("SELECT count(*) FROM task"))).scalar_one()
        else:
            registered = await client.post(
                "/api/v1/auth/register",
                json={"email": email, "password": PASSWORD, "name": "Owner"},
            )
            assert registered.status_code == 201, registered.text
            owner_id = registered.json()["id"]
            login = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            made = await client.post("/api/v1/workspaces", json={"name": "Bench"}, headers=headers)
            workspace_id = made.json()["id"]
        began = time.perf_counter()
        if not args.reuse:
            _, projects = await seed(database, tasks, rng, owner_id, workspace_id)
        seeded = time.perf_counter() - began
        async with database.session() as session:
            facts = (await session.execute(text("SELECT count(*) FROM task_fact"))).scalar_one()
            open_tasks = (
                await session.execute(
                    text("SELECT count(*) FROM task WHERE status IN ('todo', 'in_progress')")
                )
            ).scalar_one()
        began = time.perf_counter()
        if not args.reuse:
            async with database.session() as session:
                await history.rebuild(session, workspace_id)
                await session.commit()
        rebuilt = time.perf_counter() - began
        # The steady state autovacuum keeps: statistics, and a visibility map for
        # index-only scans (a fresh bulk load has neither).
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            postgres = connection.dialect.name == "postgresql"
            await connection.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
        dialect = database.engine.dialect.name
        print(
            f"\n{dialect}: {tasks:,} tasks, {facts:,} facts over {DAYS} days, "
            f"{MEMBERS} members, {PROJECTS} projects, {open_tasks:,} open now "
            f"(seeded in {seeded:.0f} s)"
        )
        if not args.reuse:
            print(f"analytics rebuild: {rebuilt:.1f} s ({tasks / rebuilt:,.0f} tasks/s)")
        print()

        base = {"workspace_id": workspace_id}

        def get(path: str, **params: str) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                answer = await client.get(path, params=base | params, headers=headers)
                assert answer.status_code == 200, answer.text

            return call

        async def custom() -> None:
            answer = await client.post(
                "/api/v1/analytics/custom-report",
                params=base,
                json={
                    "dimensions": ["week", "assignee", "status"],
                    "metrics": ["created", "completed", "open", "cycle_time_hours_p50"],
                },
                headers=headers,
            )
            assert answer.status_code == 200, answer.text

        async def reference(statements: list[str]) -> None:
            async with database.engine.connect() as connection:
                since = datetime.now(UTC) - timedelta(days=30)
                for statement in statements:
                    (
                        await connection.execute(
                            text(statement), {"w": workspace_id, "since": since}
                        )
                    ).all()

        dashboard_ref = REFERENCES[dialect]["dashboard"]
        n = args.requests
        print(
            line(
                "dashboard (30 days)",
                await timed(get("/api/v1/analytics/dashboard"), n),
                await timed(lambda: reference(dashboard_ref), max(20, n // 5)),
            )
        )
        print(
            line(
                "dashboard (365 days)",
                await timed(
                    get(
                        "/api/v1/analytics/dashboard",
                        **{"from": (datetime.now(UTC) - timedelta(days=364)).date().isoformat()},
                    ),
                    n // 2,
                ),
                None,
            )
        )
        print(
            line(
                "project progress",
                await timed(get("/api/v1/analytics/project-progress", project_id=projects[0]), n),
                None,
            )
        )
        print(
            line(
                "team performance", await timed(get("/api/v1/analytics/team-performance"), n), None
            )
        )
        print(line("me", await timed(get("/api/v1/analytics/me"), n), None))
        print(line("custom report, 3 dimensions", await timed(custom, max(20, n // 4)), None))

        # The write path: a status change through the API (each to the next status in the
        # cycle, so every write changes something), with the history on and off in turn.
        async with database.session() as session:
            rows = await session.execute(
                text("SELECT id, status FROM task WHERE workspace_id = :w LIMIT :n"),
                {"w": workspace_id, "n": args.writes},
            )
            sample = [(row[0], row[1]) for row in rows]
        counted: list[int] = []

        def count(*_: Any) -> None:
            counted.append(1)

        original = history.record

        async def nothing(*_: Any, **__: Any) -> None:
            return None

        modes: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        try:
            for rounds in range(2):
                for index, (task_id, status) in enumerate(sample):
                    on = (index + rounds) % 2 == 0
                    history.record = original if on else nothing
                    following = STATUS_ORDER[(STATUS_ORDER.index(status) + 1 + rounds) % 4]
                    counted.clear()
                    began = time.perf_counter()
                    answer = await client.patch(
                        f"/api/v1/tasks/{task_id}", json={"status": following}, headers=headers
                    )
                    modes[on].append(((time.perf_counter() - began) * 1e6, len(counted)))
                    assert answer.status_code == 200, answer.text
        finally:
            history.record = original
            event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        (on_us, on_n), (off_us, off_n) = (
            (statistics.median(t for t, _ in modes[m]), statistics.mean(n for _, n in modes[m]))
            for m in (True, False)
        )
        print(
            f"\ntask write (PATCH status, {len(modes[True])} each): {on_us:.0f} µs and "
            f"{on_n:.1f} statements with the aggregates; {off_us:.0f} µs and {off_n:.1f} without "
            f"(+{on_us - off_us:.0f} µs, +{on_n - off_n:.1f} statements)"
        )
    await app.state.database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
