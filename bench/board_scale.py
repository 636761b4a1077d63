"""The board at scale: a project of N tasks (1,000,000 by default) on PostgreSQL.

Seeds a fresh database with bench/seed_tasks.py's fast inserts (every task in one project,
spread over the four default states, ranks in creation order), adds a fifth state "Review"
holding half of the in-progress tasks, so that the board shows five full columns (500 cards,
COLUMN_SIZE each), then, through the app in-process (httpx's ASGI transport: routing, the
session cookie, the service, the SQL, the template):

- loads the board page: statements per load and latency (median, p99);
- saves moves (`POST /api/v1/tasks/{id}/move` between two random neighbours of a column
  read from the board's first cards): statements per move and latency (median, p99).

    .venv/bin/python bench/board_scale.py [--tasks 1000000] [--loads 50] [--moves 300]

It prints figures (docs/benchmarks.md has them); it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed_tasks  # a sibling script
from smarttask.app import create_app
from smarttask.db.migrate import upgrade_async
from smarttask.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "smarttask_bench_board"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=50, help="timed board loads")
    parser.add_argument("--moves", type=int, default=300, help="timed moves")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="time the board and moves of the last seeded run"
    )
    return parser.parse_args()


async def _fresh_database() -> str:
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    finally:
        await admin.close()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


class Counter:
    """Statements the app runs, through SQLAlchemy and straight on the driver."""

    def __init__(self, app: Any) -> None:
        self.count = 0
        database = app.state.database
        compile_ = database._compile

        def counted(statement: Any) -> Any:
            self.count += 1
            return compile_(statement)

        def before(*_args: Any) -> None:
            self.count += 1

        database._compile = counted
        event.listen(database.engine.sync_engine, "before_cursor_execute", before)


async def _timed(
    runs: int, counter: Counter, call: Callable[[int], Awaitable[None]]
) -> tuple[list[float], list[int]]:
    times, counts = [], []
    for i in range(runs):
        before = counter.count
        started = time.perf_counter()
        await call(i)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(counter.count - before)
    return times, counts


def _report(name: str, times: list[float], counts: list[int]) -> None:
    p99 = statistics.quantiles(times, n=100)[98] if len(times) >= 2 else times[0]
    print(
        f"{name}: statements {min(counts)}-{max(counts)}, "
        f"median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms ({len(times)} runs)"
    )


async def _seed(
    http: httpx.AsyncClient, dsn: str, email: str, tasks: int
) -> tuple[str, dict[str, str]]:
    """The account, workspace and project through the API, the tasks by seed_tasks, and a
    fifth state "Review" holding half of the in-progress tasks."""
    user_id, token = await seed_tasks.create_account(http, email, "Board Bench")
    api = {"Authorization": f"Bearer {token}"}
    created = await http.post("/api/v1/workspaces", json={"name": "B"}, headers=api)
    workspace = seed_tasks._ok(created)
    made = await http.post(
        f"/api/v1/workspaces/{workspace['id']}/projects",
        json={"name": "Board", "key": "BOARD"},
        headers=api,
    )
    project_id = str(seed_tasks._ok(made)["id"])
    label = {"title": "label maker", "labels": ["bench"]}
    seed_tasks._ok(await http.post(f"/api/v1/projects/{project_id}/tasks", json=label, headers=api))
    project = seed_tasks.Project(user_id, str(workspace["id"]), project_id, email, token)
    seconds = await seed_tasks.seed(dsn, project, 2, tasks)
    print(f"seeded {tasks - 1} tasks in {seconds:.1f} s")
    review = seed_tasks._ok(
        await http.post(
            f"/api/v1/projects/{project_id}/states",
            json={"name": "Review", "category": "in_progress", "position": 2},
            headers=api,
        )
    )
    connection = await asyncpg.connect(dsn)
    try:
        moved = await connection.execute(
            "UPDATE task SET state_id = $1 WHERE project_id = $2 AND status = 'in_progress' "
            "AND number % 8 = 1",
            review["id"],
            project_id,
        )
        await connection.execute("VACUUM ANALYZE task")
    finally:
        await connection.close()
    print(f"Review column: {moved}")
    return project_id, api


async def main(args: argparse.Namespace) -> None:
    """Seed, then time the board and the moves."""
    if args.reuse:
        dsn = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"
    else:
        dsn = await _fresh_database()
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    await upgrade_async(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        secret_key="bench-board-signing-key-0123456789-abcdefghijkl",
        rate_limit_enabled=False,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        email = "board-bench@example.com"
        if args.reuse:
            login = {"email": email, "password": seed_tasks.PASSWORD}
            token = str(
                seed_tasks._ok(await http.post("/api/v1/auth/login", json=login))["access_token"]
            )
            api = {"Authorization": f"Bearer {token}"}
            workspaces = seed_tasks._ok(await http.get("/api/v1/workspaces", headers=api))
            workspace_id = workspaces["items"][0]["id"]  # type: ignore[index]
            projects = seed_tasks._ok(
                await http.get(f"/api/v1/workspaces/{workspace_id}/projects", headers=api)
            )
            project_id = str(projects["items"][0]["id"])  # type: ignore[index]
        else:
            project_id, api = await _seed(http, dsn, email, args.tasks)
        login_page = await http.get("/login")
        csrf = _CSRF.search(login_page.text)
        assert csrf is not None
        signed = await http.post(
            "/login",
            data={"csrf_token": csrf.group(1), "email": email, "password": seed_tasks.PASSWORD},
        )
        assert signed.status_code == 303, signed.text
        counter = Counter(app)
        board_url = f"/projects/{project_id}/board"
        first = await http.get(board_url)
        cards = first.text.count("data-task-id=")
        print(f"board: {cards} cards shown")

        async def load(_: int) -> None:
            answer = await http.get(board_url)
            assert answer.status_code == 200

        _report("board load", *await _timed(args.loads, counter, load))

        states = seed_tasks._ok(
            await http.get(f"/api/v1/projects/{project_id}/states", headers=api)
        )["items"]
        columns = {}
        for state in states:
            ids = re.findall(
                r'data-task-id="([^"]+)"',
                first.text.split(f'data-state="{state["id"]}"', 1)[1].split("</ul>", 1)[0],
            )
            columns[state["id"]] = ids

        async def move(i: int) -> None:
            state_id = rng.choice(list(columns))
            ids = columns[state_id]
            card = rng.choice(ids)
            others = [other for other in ids if other != card]
            spot = rng.randint(1, len(others) - 1)
            body = {"after_id": others[spot - 1], "before_id": others[spot]}
            answer = await http.post(f"/api/v1/tasks/{card}/move", json=body, headers=api)
            assert answer.status_code == 200, answer.text
            ids.remove(card)
            ids.insert(ids.index(others[spot]), card)

        _report("move", *await _timed(args.moves, counter, move))
    await app.state.database.dispose()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
