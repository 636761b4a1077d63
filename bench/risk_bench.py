"""Risk model (layer 1) benchmark: scoring per task, the added cost of a task write, rescoring.

1. Scoring in-process: features + logistic + factors for 100,000 varied tasks, per task.
2. Task writes through the app in-process (httpx ASGI transport, no server): POST and PATCH
   of a task with a due date and an assignee, with layer 1 on and with it switched off
   (the scoring call replaced by a no-op), alternating rounds; median and p90 wall time, and
   the SQL statements per write.
3. A full rescore (`smarttask ai rescore`'s code) of N open tasks with due dates: tasks/s.

    .venv/bin/python bench/risk_bench.py [--backend sqlite|postgresql] [--writes 300]
        [--rescore 100000]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_scoring(n: int) -> None:
    """Microseconds per task of the pure-Python scorer."""
    from smarttask.risk.features import TaskFacts
    from smarttask.risk.model import DEFAULT, score_facts

    rng = random.Random(1)
    now = datetime.now(UTC)
    facts = [
        TaskFacts(
            due_at=now + timedelta(days=rng.uniform(-10, 40)),
            created_at=now - timedelta(days=rng.uniform(0, 60)),
            status=rng.choice(["todo", "in_progress"]),
            priority=rng.randrange(5),
            estimate_minutes=rng.choice([None, 60, 480, 2400]),
            description_length=rng.randrange(2000),
            has_checklist=rng.random() < 0.3,
            reschedules=rng.choice([0, 0, 1, 2]),
            assigned=rng.random() < 0.8,
            open_dependencies=rng.choice([0, 0, 1, 3]),
            overdue_dependencies=rng.choice([0, 0, 1]),
            assignee_open=rng.randrange(30),
            assignee_late=rng.randrange(10),
            assignee_finished=rng.randrange(10, 40),
        )
        for _ in range(n)
    ]
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for f in facts:
            score_facts(DEFAULT, f, now)
        rounds.append((time.perf_counter() - started) / n * 1e6)
    print(f"scoring, in-process: {statistics.median(rounds):.1f} us per task (median of 3 x {n})")


async def _database(backend: str, folder: str) -> str:
    from smarttask.db.migrate import upgrade_async

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/risk-bench.db"
    else:
        import asyncpg

        name = "smarttask_bench_risk"
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await upgrade_async(url)
    return url


async def bench_writes(url: str, writes: int) -> None:
    """Wall time of POST and PATCH with layer 1 on and off, and SQL statements per write."""
    import httpx
    from sqlalchemy import event

    from smarttask.app import create_app
    from smarttask.settings import Settings
    from smarttask.tasks.scoring import service as risk

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        rate_limit_enabled=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        email, password = "bench@example.com", "blue-harbour-lantern-42"
        user = await client.post(
            "/api/v1/auth/register", json={"email": email, "password": password, "name": "B"}
        )
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        workspace = (
            await client.post("/api/v1/workspaces", json={"name": "B"}, headers=headers)
        ).json()
        project = (
            await client.post(
                f"/api/v1/workspaces/{workspace['id']}/projects",
                json={"name": "Bench", "key": "BEN"},
                headers=headers,
            )
        ).json()
        url_tasks = f"/api/v1/projects/{project['id']}/tasks"
        due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
        body = {"title": "bench", "due_at": due, "assignee_id": user.json()["id"]}
        seed = [
            (await client.post(url_tasks, json=body, headers=headers)).json() for _ in range(200)
        ]

        statements: list[str] = []
        event.listen(
            app.state.database.engine.sync_engine,
            "before_cursor_execute",
            lambda *args: statements.append(args[2]),
        )
        original = risk.score_task

        async def nothing(*_args: Any, **_kwargs: Any) -> None:
            return None

        timings: dict[tuple[str, bool], list[float]] = {}
        counts: dict[tuple[str, bool], int] = {}
        for round_ in range(4):
            for scoring in (True, False):
                risk.score_task = original if scoring else nothing  # type: ignore[assignment]
                for i in range(writes // 4):
                    for kind in ("POST", "PATCH"):
                        statements.clear()
                        started = time.perf_counter()
                        if kind == "POST":
                            response = await client.post(url_tasks, json=body, headers=headers)
                        else:
                            task = seed[(round_ * writes + i) % len(seed)]
                            response = await client.patch(
                                f"/api/v1/tasks/{task['id']}",
                                json={"title": f"bench {round_} {scoring} {i}"},
                                headers=headers,
                            )
                        elapsed = time.perf_counter() - started
                        assert response.status_code in (200, 201), response.text
                        timings.setdefault((kind, scoring), []).append(elapsed * 1000)
                        counts[(kind, scoring)] = len(statements)
        risk.score_task = original  # type: ignore[assignment]
    await app.state.database.dispose()
    for kind in ("POST", "PATCH"):
        on, off = timings[(kind, True)], timings[(kind, False)]
        p50_on, p50_off = statistics.median(on), statistics.median(off)
        p90_on = statistics.quantiles(on, n=10)[-1]
        p90_off = statistics.quantiles(off, n=10)[-1]
        print(
            f"{kind:5} task: with layer 1 p50 {p50_on:.2f} ms p90 {p90_on:.2f} ms; without "
            f"p50 {p50_off:.2f} ms p90 {p90_off:.2f} ms; added p50 {p50_on - p50_off:+.2f} ms; "
            f"SQL statements {counts[(kind, True)]} vs {counts[(kind, False)]}"
        )


async def bench_rescore(url: str, n: int) -> None:
    """Tasks per second of a full rescore of n open tasks with due dates."""
    from sqlalchemy import insert, select

    from smarttask.db.engine import Database
    from smarttask.db.types import new_id
    from smarttask.projects.models import Project
    from smarttask.settings import Settings
    from smarttask.tasks.models import Task
    from smarttask.tasks.ranks import spread
    from smarttask.tasks.scoring import service
    from smarttask.workflow.repository import of_project as states_of

    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    database = Database(settings.database)
    rng = random.Random(2)
    now = datetime.now(UTC)
    async with database.session() as session:
        project = (await session.execute(select(Project).limit(1))).scalar_one()
        todo = next(s for s in await states_of(session, project.id) if s.category == "todo")
        ranks = spread(n)
        users = [None]
        rows = [
            {
                "id": new_id(),
                "workspace_id": project.workspace_id,
                "project_id": project.id,
                "number": 100_000 + i,
                "title": "rescore",
                "description": "",
                "status": "todo",
                "priority": rng.randrange(5),
                "assignee_id": users[0],
                "due_at": now + timedelta(days=rng.uniform(-5, 30)),
                "created_at": now - timedelta(days=rng.uniform(0, 30)),
                "updated_at": now,
                "version": 1,
                "reschedule_count": 0,
                "state_id": todo.id,
                "rank": ranks[i],
            }
            for i in range(n)
        ]
        for start in range(0, n, 5000):
            await session.execute(insert(Task), rows[start : start + 5000])
        await session.commit()
        started = time.perf_counter()
        summary = await service.rescore_all(session, after_batch=session.commit)
        await session.commit()
        elapsed = time.perf_counter() - started
        later = now + timedelta(minutes=15)
        started = time.perf_counter()
        periodic = await service.rescore_all(session, after_batch=session.commit, now=later)
        await session.commit()
        periodic_elapsed = time.perf_counter() - started
    await database.dispose()
    print(
        f"rescore: {summary.scanned} tasks in {elapsed:.1f} s = {summary.scanned / elapsed:,.0f} "
        f"tasks/s ({summary.changed} scores written)"
    )
    print(
        f"periodic rescore 15 minutes later: {periodic.scanned} tasks in {periodic_elapsed:.1f} s "
        f"({periodic.changed} scores moved by >= 0.005 and were written)"
    )


async def main() -> None:
    """Run the three parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--scoring", type=int, default=100_000)
    parser.add_argument("--rescore", type=int, default=100_000)
    args = parser.parse_args()
    bench_scoring(args.scoring)
    with tempfile.TemporaryDirectory() as folder:
        url = await _database(args.backend, folder)
        print(f"database: {args.backend}")
        await bench_writes(url, args.writes)
        if args.rescore:
            await bench_rescore(url, args.rescore)


if __name__ == "__main__":
    asyncio.run(main())
