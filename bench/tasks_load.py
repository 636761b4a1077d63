"""Load benchmark of task reads: smarttask against the bare reference at 10k, 100k and 1M tasks.

In one run, on a PostgreSQL database created afresh: both servers started (2 workers each),
one account, workspace and project made through smarttask's API, the tasks inserted with
bench/seed_tasks.py (generate_series) in steps, and at each size, in alternating rounds:

- 100,000 tasks: `GET /api/v1/tasks/{id}` and `GET /api/v1/projects/{id}/tasks?status=todo
  &limit=20` (authenticated), req/s, p50, p99, CPU per request, ratio smarttask/reference
  (target >= 0.6 each);
- 10,000 and 1,000,000 tasks: the list only; its p50 at 1M over its p50 at 10k (target
  <= 1.3); and `EXPLAIN (ANALYZE, BUFFERS)` of the list query at both sizes.

    .venv/bin/python bench/tasks_load.py [--duration 10] [--rounds 2] [--max-tasks 1000000]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg

from auth_load import (
    TABLE_HEAD,
    Run,
    measure,
    migrate,
    print_row,
    print_run,
    recreate_database,
    sqlalchemy_url,
    summarize,
)
from http_load import servers
from loadgen import generator_name
from procinfo import machine
from reference_app import TASK_PAGE
from seed_tasks import PASSWORD, Project, create_project, seed

TARGET_RATIO = 0.6
TARGET_GROWTH = 1.3
LIST_SQL = TASK_PAGE  # smarttask's page statement, as the reference runs it


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per path")
    parser.add_argument("--rounds", type=int, default=2, help="measured runs per target and op")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / Python processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--max-tasks", type=int, default=1_000_000, help="the last size")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_tasks", help="dropped, recreated")
    parser.add_argument("--smarttask-port", type=int, default=18111)
    parser.add_argument("--reference-port", type=int, default=18112)
    args = parser.parse_args()
    args.counter = "bench"  # what http_load.servers polls until the servers answer
    return args


def _get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _login(base: str, email: str) -> str:
    """A fresh access token (they live 15 minutes; the run can be longer)."""
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


async def _explain(dsn: str, project_id: str) -> tuple[list[str], str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the list query: the custom plan, and the generic plan's
    top lines (what a prepared statement may switch to after five runs)."""
    connection = await asyncpg.connect(dsn)
    try:
        user_id = await connection.fetchval(
            "SELECT m.user_id FROM membership m JOIN project p ON p.workspace_id = m.workspace_id"
            " WHERE p.id = $1 LIMIT 1",
            project_id,
        )
        custom = await connection.fetch(
            f"EXPLAIN (ANALYZE, BUFFERS) {LIST_SQL}", user_id, project_id, "todo", 21
        )
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE bench_list AS {LIST_SQL}")
        # EXECUTE takes no protocol parameters; the ids are UUIDs read from the database.
        generic = await connection.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) "
            f"EXECUTE bench_list('{user_id}', '{project_id}', 'todo', 21)"
        )
        scans = [r[0].strip() for r in generic if "Scan" in r[0] or "Execution" in r[0]]
        return [r[0] for r in custom], "; ".join(scans)
    finally:
        await connection.close()


def _pick_task(dsn: str, project_id: str, number: int) -> str:
    async def find() -> str:
        connection = await asyncpg.connect(dsn)
        try:
            return str(
                await connection.fetchval(
                    "SELECT id FROM task WHERE project_id = $1 AND number = $2", project_id, number
                )
            )
        finally:
            await connection.close()

    return asyncio.run(find())


def compare(
    args: argparse.Namespace,
    masters: dict[str, int],
    bases: dict[str, str],
    paths: dict[str, str],
    token: str,
    lua: Path,
) -> dict[tuple[str, str], list[Run]]:
    """Warm-up, then alternating rounds of each path on both targets."""
    dsn = f"{args.postgres}/{args.database}"
    headers = {"Authorization": f"Bearer {token}"}
    for name in masters:
        for path in paths.values():
            measure(masters[name], bases[name] + path, headers, args, args.warmup, lua, dsn)
    results: dict[tuple[str, str], list[Run]] = {}
    names = list(masters)
    for round_index in range(args.rounds):
        order = names if round_index % 2 == 0 else names[::-1]
        for op, path in paths.items():
            for name in order:
                run = measure(
                    masters[name], bases[name] + path, headers, args, args.duration, lua, dsn
                )
                results.setdefault((op, name), []).append(run)
                print_run(f"round {round_index + 1} {op} {name}", run)
    print("\nmedians over the rounds; CPU = uvicorn workers, PG = PostgreSQL backends, per request")
    print(TABLE_HEAD)
    for op in paths:
        rows = {name: print_row(f"{op} {name}", results[(op, name)]) for name in names}
        ratio = rows["smarttask"][0] / rows["reference"][0]
        print(
            f"{op} ratio smarttask/reference: {ratio:.2f} req/s (target >= {TARGET_RATIO}: "
            f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); p50 "
            f"x{rows['smarttask'][1] / rows['reference'][1]:.1f}, CPU/request "
            f"x{rows['smarttask'][3] / rows['reference'][3]:.1f}, PG CPU/request "
            f"x{rows['smarttask'][4] / rows['reference'][4]:.1f}"
        )
    return results


def main() -> int:
    """Run the whole benchmark and print its figures."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    pg_version = asyncio.run(recreate_database(args.postgres, args.database))
    url = sqlalchemy_url(args.postgres, args.database)
    migrate(url)
    info = machine()
    generator = generator_name()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {pg_version}; "
        + ", ".join(f"{p} {version(p)}" for p in ("fastapi", "sqlalchemy", "asyncpg", "uvicorn"))
    )
    print(
        f"load: {generator}, {args.connections} connections, {args.threads} "
        f"{'threads' if generator == 'wrk' else 'processes'}, {args.duration:g} s "
        f"x {args.rounds} rounds per target and path, {args.warmup:g} s warm-up; "
        f"{args.workers} uvicorn workers per server"
    )
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    with (
        tempfile.TemporaryDirectory(prefix="smarttask-tasks-bench-") as tmp,
        servers(args, url, Path(tmp)) as targets,
    ):
        lua = Path(tmp) / "report.lua"
        masters = {t.name: t.process.pid for t in targets}
        bases = {t.name: t.base for t in targets}
        try:
            run_sizes(args, masters, bases, lua)
        finally:
            for target in targets:
                print(f"\n{target.name}: master {target.process.pid}, exit {target.process.poll()}")
                log = (Path(tmp) / f"{target.name}.log").read_text(errors="replace").strip()
                if log:
                    print(f"{target.name} log (last lines):\n" + "\n".join(log.splitlines()[-8:]))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


def run_sizes(
    args: argparse.Namespace, masters: dict[str, int], bases: dict[str, str], lua: Path
) -> None:
    """Seed each size in turn and measure it; then the summary and the plans."""
    dsn = f"{args.postgres}/{args.database}"
    sizes = [n for n in (10_000, 100_000, 1_000_000) if n <= args.max_tasks]
    list_p50: dict[int, dict[str, float]] = {}
    plans: dict[int, tuple[list[str], str]] = {}
    project: Project = asyncio.run(create_project(bases["smarttask"]))
    seeded = 0
    for size in sizes:
        time.sleep(2)  # let the last run's in-flight requests finish before indexes are dropped
        seconds = asyncio.run(seed(dsn, project, seeded + 1, size))
        print(f"\n=== {size:,} tasks (seeded {size - seeded:,} more in {seconds:.1f} s) ===")
        seeded = size
        token = _login(bases["smarttask"], project.email)
        task_id = _pick_task(dsn, project.project_id, size // 2 - size // 2 % 10)
        paths = {"list": f"/api/v1/projects/{project.project_id}/tasks?status=todo&limit=20"}
        if size == 100_000:
            paths = {"get": f"/api/v1/tasks/{task_id}", **paths}
        for op, path in paths.items():
            bodies = [_get_json(bases[name] + path, token) for name in ("smarttask", "reference")]
            same = "yes" if bodies[0] == bodies[1] else "NO"
            print(f"{op}: same JSON from both servers: {same}")
        plans[size] = asyncio.run(_explain(dsn, project.project_id))
        results = compare(args, masters, bases, paths, token, lua)
        list_p50[size] = {n: summarize(results[("list", n)])[1] for n in masters}
    print("\n=== list p50 by size ===")
    for size, p50 in list_p50.items():
        print(
            f"{size:>9,} tasks: smarttask {p50['smarttask']:.2f} ms, "
            f"reference {p50['reference']:.2f} ms"
        )
    if 10_000 in list_p50 and 1_000_000 in list_p50:
        for name in masters:
            growth = list_p50[1_000_000][name] / list_p50[10_000][name]
            print(
                f"{name}: p50 at 1M / p50 at 10k = {growth:.2f} (target <= {TARGET_GROWTH}: "
                f"{'met' if growth <= TARGET_GROWTH else 'NOT met'})"
            )
    for size, (custom, generic) in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the list query at {size:,} tasks:")
        print("\n".join("  " + line for line in custom))
        print(f"  generic plan: {generic}")


if __name__ == "__main__":
    sys.exit(main())
