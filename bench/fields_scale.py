"""Custom fields at scale: a project list filtered and sorted by custom fields against the
same list filtered by `status`, at 1,000,000 tasks on PostgreSQL.

In one run, on a PostgreSQL database created afresh: smarttask started (2 workers), one
account, workspace and project made through the API, the tasks inserted with
bench/seed_tasks.py, two fields made through the API (a select "Stage" with five options
and a number "Points"), and their values inserted with one `INSERT ... SELECT` each (every
task has a stage, four in five have points). Then, in alternating rounds (the load of
bench/tasks_load.py):

- status: `GET /api/v1/projects/{id}/tasks?status=todo&limit=20`;
- field: `GET ...?field.<stage>=<option>&sort=field.<points>&limit=20` (filtered by a field,
  sorted by another, keyset page 1);
- field, later page: the same list from the cursor of its 50th page;

req/s, p50, p99, and the ratio of each field list's p50 over the status list's (target <=
1.5), with `EXPLAIN (ANALYZE, BUFFERS)` of the field list's statement.

    .venv/bin/python bench/fields_scale.py [--tasks 1000000] [--duration 8] [--rounds 2]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from auth_load import (
    TABLE_HEAD,
    Run,
    measure,
    migrate,
    print_row,
    print_run,
    recreate_database,
    smarttask,
    sqlalchemy_url,
)
from procinfo import machine
from seed_tasks import PASSWORD, Project, create_project, seed
from smarttask.fields.query import FieldFilter
from smarttask.tasks import statements
from smarttask.tasks.query import TaskQuery

TARGET = 1.5
VALUE_INDEXES = ("key", "number", "date", "bool")
STAGE_SQL = """
INSERT INTO task_field_value (task_id, field_id, item, workspace_id, value_key, value_number)
SELECT id, $1, '', workspace_id, ($3::text[])[1 + number % 5], (number % 5)::float
FROM task WHERE project_id = $2
"""
POINTS_SQL = """
INSERT INTO task_field_value (task_id, field_id, item, workspace_id, value_number)
SELECT id, $1, '', workspace_id, floor(random() * 1000)
FROM task WHERE project_id = $2 AND number % 5 <> 4
"""
# Points independent of the stage (a first version derived both from the task's number:
# the stage filter then matched no task of the lowest points, see docs/benchmarks.md).
RESEED_POINTS_SQL = """
UPDATE task_field_value SET value_number = floor(random() * 1000) WHERE field_id = $1
"""
DB_RUNS = 200


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per load run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per path")
    parser.add_argument("--rounds", type=int, default=2, help="measured runs per path")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_fields", help="dropped, recreated")
    parser.add_argument("--port", type=int, default=18121)
    parser.add_argument(
        "--database-only",
        action="store_true",
        help="no server, no seeding: time both list statements in the database as it is",
    )
    parser.add_argument(
        "--reseed-points", action="store_true", help="with --database-only: new random points"
    )
    return parser.parse_args()


async def make_fields(base: str, project: Project) -> tuple[str, list[str], str]:
    """The select field (with its option ids) and the number field, through the API."""
    headers = {"Authorization": f"Bearer {project.access_token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        url = f"/api/v1/workspaces/{project.workspace_id}/fields"
        options = [{"name": f"Stage {i}"} for i in range(5)]
        stage = await client.post(url, json={"name": "Stage", "type": "select", "options": options})
        points = await client.post(url, json={"name": "Points", "type": "number"})
        stage.raise_for_status()
        points.raise_for_status()
    option_ids = [option["id"] for option in stage.json()["options"]]
    return stage.json()["id"], option_ids, points.json()["id"]


async def seed_values(
    dsn: str, project: Project, stage: str, options: list[str], points: str
) -> float:
    """Every task's stage and four in five tasks' points; the value indexes rebuilt after."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        async with connection.transaction():
            for kind in VALUE_INDEXES:
                await connection.execute(f"DROP INDEX ix_task_field_value_{kind}")
            await connection.execute(STAGE_SQL, stage, project.project_id, options)
            await connection.execute(POINTS_SQL, points, project.project_id)
            for kind in VALUE_INDEXES:
                await connection.execute(
                    f"CREATE INDEX ix_task_field_value_{kind} ON task_field_value "
                    f"(field_id, value_{kind}, task_id)"
                )
        await connection.execute("VACUUM ANALYZE task_field_value")
    finally:
        await connection.close()
    return time.perf_counter() - started


def later_cursor(base: str, path: str, token: str, pages: int) -> str:
    """The cursor of the list's page number `pages + 1`."""
    headers = {"Authorization": f"Bearer {token}"}
    cursor = ""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(pages):
            page = client.get(path + (f"&cursor={cursor}" if cursor else "")).json()
            cursor = page["next_cursor"]
    return cursor


def _compiled(query: TaskQuery, user_id: str) -> tuple[str, list[Any]]:
    """A list's page statement as smarttask runs it on asyncpg, with its arguments."""
    params = statements.page_params(query, 21)
    params["user_id"] = user_id
    compiled = statements.core_page(query).compile(dialect=asyncpg_dialect.dialect())
    return str(compiled), [params[name] for name in compiled.positiontup or ()]


def _field_query(project: Project, stage: str, option: str, points: str) -> TaskQuery:
    return TaskQuery(
        workspace_id=project.workspace_id,
        project_id=project.project_id,
        fields=(FieldFilter(stage, "value_key", (option,)),),
        sort="field",
        descending=False,
        sort_field=points,
        sort_column="value_number",
        page_size=21,
    )


async def explain(dsn: str, project: Project, stage: str, option: str, points: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the field list's statement, as smarttask builds it."""
    sql, values = _compiled(_field_query(project, stage, option, points), project.user_id)
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *values)
        return [row[0] for row in rows]
    finally:
        await connection.close()


async def database_p50(
    dsn: str, project: Project, stage: str, option: str, points: str
) -> dict[str, float]:
    """p50 (ms) of each list's statement run alone as a prepared statement, alternating."""
    status = TaskQuery(project.workspace_id, project.project_id, statuses=("todo",))
    lists = {
        "status": _compiled(status, project.user_id),
        "field": _compiled(_field_query(project, stage, option, points), project.user_id),
    }
    connection = await asyncpg.connect(dsn)
    timings: dict[str, list[float]] = {name: [] for name in lists}
    try:
        prepared = {name: await connection.prepare(sql) for name, (sql, _) in lists.items()}
        for _ in range(DB_RUNS):
            for name, (_, values) in lists.items():
                started = time.perf_counter()
                await prepared[name].fetch(*values)
                timings[name].append((time.perf_counter() - started) * 1000)
    finally:
        await connection.close()
    return {name: statistics.median(found) for name, found in timings.items()}


async def existing(dsn: str, reseed: bool) -> tuple[Project, str, str, str]:
    """The project and fields of a database seeded before (--database-only)."""
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT p.id, p.workspace_id, m.user_id FROM project p "
            "JOIN membership m ON m.workspace_id = p.workspace_id LIMIT 1"
        )
        fields = {
            r["name"]: r
            for r in await connection.fetch("SELECT id, name, options FROM custom_field")
        }
        stage, points = fields["Stage"], fields["Points"]
        option = json.loads(stage["options"])[2]["id"]
        if reseed:
            await connection.execute(RESEED_POINTS_SQL, points["id"])
            await connection.execute("VACUUM ANALYZE task_field_value")
    finally:
        await connection.close()
    project = Project(row["user_id"], row["workspace_id"], row["id"], "", "")
    return project, stage["id"], option, points["id"]


def database_only(args: argparse.Namespace) -> int:
    """Time both list statements in the database as it is; print the plan."""
    dsn = f"{args.postgres}/{args.database}"
    project, stage, option, points = asyncio.run(existing(dsn, args.reseed_points))
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    p50 = asyncio.run(database_p50(dsn, project, stage, option, points))
    print(f"database p50 over {DB_RUNS} runs each, alternating:")
    for name, value in p50.items():
        print(f"  {name:<8} {value:.2f} ms")
    ratio = p50["field"] / p50["status"]
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"field p50 / status p50 = {ratio:.2f} (target <= {TARGET}: {verdict})")
    plan = asyncio.run(explain(dsn, project, stage, option, points))
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the field list (page 1):")
    print("\n".join("  " + line for line in plan))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


def main() -> int:
    """Run the benchmark and print its figures."""
    args = parse_args()
    args.counter = "bench"
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.database_only:
        return database_only(args)
    pg_version = asyncio.run(recreate_database(args.postgres, args.database))
    url = sqlalchemy_url(args.postgres, args.database)
    dsn = f"{args.postgres}/{args.database}"
    migrate(url)
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, PostgreSQL {pg_version}; "
        f"{args.connections} connections, {args.duration:g} s x {args.rounds} rounds per path"
    )
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="smarttask-fields-bench-") as tmp:
        log = Path(tmp) / "smarttask.log"
        with smarttask(url, args.port, args.workers, log) as process:
            project = asyncio.run(create_project(base))
            stage, options, points = asyncio.run(make_fields(base, project))
            seconds = asyncio.run(seed(dsn, project, 1, args.tasks))
            print(f"{args.tasks:,} tasks seeded in {seconds:.1f} s")
            seconds = asyncio.run(seed_values(dsn, project, stage, options, points))
            print(f"their field values seeded in {seconds:.1f} s")
            token = asyncio.run(_token(base, project))
            lists = f"/api/v1/projects/{project.project_id}/tasks?limit=20"
            field_path = f"{lists}&field.{stage}={options[2]}&sort=field.{points}"
            paths = {
                "status": f"{lists}&status=todo",
                "field": field_path,
                "field p51": f"{field_path}&cursor={later_cursor(base, field_path, token, 50)}",
            }
            results = run_rounds(args, process.pid, base, paths, token, Path(tmp) / "r.lua", dsn)
            plan = asyncio.run(explain(dsn, project, stage, options[2], points))
    print("\nmedians over the rounds; CPU = uvicorn workers, PG = PostgreSQL backends, per request")
    print(TABLE_HEAD)
    rows = {op: print_row(op, runs) for op, runs in results.items()}
    for op in ("field", "field p51"):
        ratio = rows[op][1] / rows["status"][1]
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"{op} p50 / status p50 = {ratio:.2f} (target <= {TARGET}: {verdict})")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the field list (page 1):")
    print("\n".join("  " + line for line in plan))
    p50 = asyncio.run(database_p50(dsn, project, stage, options[2], points))
    print("database p50: " + ", ".join(f"{n} {v:.2f} ms" for n, v in p50.items()))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


async def _token(base: str, project: Project) -> str:
    """A fresh access token of the project's owner."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        login = {"email": project.email, "password": PASSWORD}
        response = await client.post("/api/v1/auth/login", json=login)
        response.raise_for_status()
        return str(response.json()["access_token"])


def run_rounds(
    args: argparse.Namespace,
    master: int,
    base: str,
    paths: dict[str, str],
    token: str,
    lua: Path,
    dsn: str,
) -> dict[str, list[Run]]:
    """Warm-up, then rounds of each path, the order alternating."""
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths.values():
        measure(master, base + path, headers, args, args.warmup, lua, dsn)
    results: dict[str, list[Run]] = {}
    ops = list(paths)
    for index in range(args.rounds):
        for op in ops if index % 2 == 0 else ops[::-1]:
            run = measure(master, base + paths[op], headers, args, args.duration, lua, dsn)
            results.setdefault(op, []).append(run)
            print_run(f"round {index + 1} {op}", run)
    return results


if __name__ == "__main__":
    sys.exit(main())
