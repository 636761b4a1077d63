"""Task reads against the floor: smarttask, the same-SQL reference and the simplest app.

In one run, on PostgreSQL: the database created afresh, migrated and loaded with
`smarttask demo --tasks N` (then `VACUUM ANALYZE`), three servers started with 2 uvicorn
workers each (smarttask; bench/reference_app.py, smarttask's SQL on bare Starlette +
asyncpg; bench/floor_app.py, the simplest one-statement SQL), the same JSON checked from
all three, then in alternating rounds, authenticated as the demo's owner:

- `GET /api/v1/tasks/{id}` (a task with labels and a dependency);
- `GET /api/v1/projects/{id}/tasks?status=todo&limit=20` (the project WEB).

smarttask runs without its in-process job worker (SMARTTASK_WORKER_IN_PROCESS=false, as
with a separate `smarttask worker`): a fresh server makes its periodic jobs due at once,
and the risk model's retraining and rescoring over 100,000 tasks would take the same two
cores for minutes, in the middle of the measurement.

It prints req/s, p50, p99, CPU per request and the ratios to the floor (targets: smarttask
at least 0.7 of the floor's req/s, p99 at most 1.25 times the floor's).

    .venv/bin/python bench/floor_load.py [--tasks 100000] [--duration 10] [--rounds 2]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg

from auth_load import (
    BIN,
    ROOT,
    TABLE_HEAD,
    Run,
    measure,
    migrate,
    print_row,
    print_run,
    recreate_database,
    sqlalchemy_url,
)
from http_load import servers
from loadgen import generator_name
from procinfo import machine
from reference_app import POOL_MAX_ENV

TARGET_RATIO = 0.7
TARGET_P99 = 1.25
OWNER = "ada@demo.smarttask.dev"
NAMES = ("smarttask", "reference", "floor")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000, help="smarttask demo --tasks")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per path")
    parser.add_argument("--rounds", type=int, default=2, help="measured runs per target and op")
    parser.add_argument("--connections", type=int, default=24, help="wrk connections")
    parser.add_argument(
        "--pool",
        type=int,
        default=12,
        help="database connections per worker, the same bound for all three servers (three "
        "servers' pools must fit in PostgreSQL's max_connections)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / Python processes")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_floor", help="dropped, recreated")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database a previous run loaded"
    )
    parser.add_argument("--smarttask-port", type=int, default=18131)
    parser.add_argument("--reference-port", type=int, default=18132)
    parser.add_argument("--floor-port", type=int, default=18133)
    args = parser.parse_args()
    args.counter = "bench"  # what http_load.servers polls until the servers answer
    return args


def load_demo(url: str, dsn: str, tasks: int) -> None:
    """`smarttask demo --tasks N`, then VACUUM ANALYZE (the demo loader does not)."""
    env = {**os.environ, "SMARTTASK_DATABASE_URL": url, "SMARTTASK_LOG_LEVEL": "WARNING"}
    command = [str(BIN / "smarttask"), "demo", "--tasks", str(tasks)]
    subprocess.run(command, check=True, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)

    async def analyze() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()

    asyncio.run(analyze())


async def _server_version(dsn: str) -> str:
    connection = await asyncpg.connect(dsn)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def pick(dsn: str) -> tuple[str, str, int]:
    """The project WEB's id, one of its tasks with labels and a dependency, its todo count."""
    connection = await asyncpg.connect(dsn)
    try:
        project_id = await connection.fetchval("SELECT id FROM project WHERE key = 'WEB'")
        task_id = await connection.fetchval(
            "SELECT t.id FROM task t WHERE t.project_id = $1"
            " AND EXISTS (SELECT 1 FROM task_label l WHERE l.task_id = t.id)"
            " AND EXISTS (SELECT 1 FROM task_dependency d WHERE d.task_id = t.id)"
            " ORDER BY t.number LIMIT 1",
            project_id,
        )
        todo = await connection.fetchval(
            "SELECT count(*) FROM task WHERE project_id = $1 AND status = 'todo'", project_id
        )
        return str(project_id), str(task_id), int(todo)
    finally:
        await connection.close()


def _login(base: str) -> str:
    from smarttask.demo import DEMO_PASSWORD

    body = json.dumps({"email": OWNER, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def _get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def compare(
    args: argparse.Namespace,
    masters: dict[str, int],
    bases: dict[str, str],
    paths: dict[str, str],
    token: str,
    lua: Path,
) -> None:
    """Warm-up, alternating rounds of each path on each target, then medians and ratios."""
    dsn = f"{args.postgres}/{args.database}"
    headers = {"Authorization": f"Bearer {token}"}
    for name in NAMES:
        for path in paths.values():
            measure(masters[name], bases[name] + path, headers, args, args.warmup, lua, dsn)
    results: dict[tuple[str, str], list[Run]] = {}
    for round_index in range(args.rounds):
        order = NAMES if round_index % 2 == 0 else NAMES[::-1]
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
        rows = {name: print_row(f"{op} {name}", results[(op, name)]) for name in NAMES}
        floor = rows["floor"]
        for name in ("smarttask", "reference"):
            rps, p99 = rows[name][0] / floor[0], rows[name][2] / floor[2]
            verdict = ""
            if name == "smarttask":
                verdict = (
                    f"  (targets: req/s >= {TARGET_RATIO}: {_met(rps >= TARGET_RATIO)}; "
                    f"p99 <= {TARGET_P99}: {_met(p99 <= TARGET_P99)})"
                )
            print(
                f"{op} {name}/floor: req/s {rps:.2f}, p50 x{rows[name][1] / floor[1]:.2f}, "
                f"p99 x{p99:.2f}, CPU/request x{rows[name][3] / floor[3]:.2f}{verdict}"
            )
        smart, reference = rows["smarttask"], rows["reference"]
        print(f"{op} smarttask/reference: req/s {smart[0] / reference[0]:.2f}")


def main() -> int:
    """Load the demo, start the three servers, measure, print."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    dsn = f"{args.postgres}/{args.database}"
    url = sqlalchemy_url(args.postgres, args.database)
    if args.reuse:
        pg_version = asyncio.run(_server_version(dsn))
    else:
        pg_version = asyncio.run(recreate_database(args.postgres, args.database))
        migrate(url)
        load_demo(url, dsn, args.tasks)
    project_id, task_id, todo = asyncio.run(pick(dsn))
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {pg_version}; "
        + ", ".join(f"{p} {version(p)}" for p in ("fastapi", "sqlalchemy", "asyncpg", "uvicorn"))
    )
    print(
        f"data: smarttask demo --tasks {args.tasks}, VACUUM ANALYZE"
        f"{' (by an earlier run)' if args.reuse else ''}; project WEB has {todo} "
        f"todo tasks; load: {generator_name()}, {args.connections} connections, "
        f"{args.threads} threads, {args.duration:g} s x {args.rounds} rounds per target and "
        f"path, {args.warmup:g} s warm-up; {args.workers} uvicorn workers per server"
    )
    print(
        f"pools: at most {args.pool} database connections per worker in each server "
        "(smarttask: SMARTTASK_DB_POOL_SIZE, no overflow; the others: BENCH_REFERENCE_POOL_MAX); "
        "smarttask without its in-process job worker"
    )
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    os.environ |= {
        "SMARTTASK_DB_POOL_SIZE": str(args.pool),
        "SMARTTASK_DB_MAX_OVERFLOW": "0",
        "SMARTTASK_WORKER_IN_PROCESS": "false",
        POOL_MAX_ENV: str(args.pool),
    }
    with (
        tempfile.TemporaryDirectory(prefix="smarttask-floor-bench-") as tmp,
        servers(args, url, Path(tmp)) as targets,
    ):
        masters = {t.name: t.process.pid for t in targets}
        bases = {t.name: t.base for t in targets}
        token = _login(bases["smarttask"])
        paths = {
            "get": f"/api/v1/tasks/{task_id}",
            "list": f"/api/v1/projects/{project_id}/tasks?status=todo&limit=20",
        }
        for op, path in paths.items():
            bodies = [_get_json(bases[name] + path, token) for name in NAMES]
            same = all(body == bodies[0] for body in bodies)
            print(f"{op}: same JSON from the three servers: {'yes' if same else 'NO'}")
        try:
            compare(args, masters, bases, paths, token, Path(tmp) / "report.lua")
        finally:
            for target in targets:
                log = (Path(tmp) / f"{target.name}.log").read_text(errors="replace").strip()
                if log:
                    print(f"{target.name} log (last lines):\n" + "\n".join(log.splitlines()[-8:]))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
