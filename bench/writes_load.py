"""Load benchmark of task writes: smarttask against a bare reference running the same SQL.

In one run, on a PostgreSQL database created afresh: smarttask and bench/write_reference_app.py
started (2 uvicorn workers each, as bench/tasks_load.py starts them); through smarttask's API
one account with 8 workspaces, a project in each and 16 tasks per project; then, for each
write, a warm-up per target and alternating rounds of wrk (bench/writes_load.lua):

- task create: `POST /api/v1/projects/{id}/tasks` `{"title", "priority": "high"}` with a
  unique `Idempotency-Key`, the 8 projects in turn;
- task update: `PATCH /api/v1/tasks/{id}` `{"title"}` (a new title each time) with `If-Match`;
- comment create: `POST /api/v1/tasks/{id}/comments` `{"body"}` with a unique `Idempotency-Key`;
- status change: `PATCH /api/v1/tasks/{id}` `{"status"}`, todo and in_progress in turn, with
  `If-Match`.

Both targets write the same tasks; before each run the tasks' versions and statuses are read
from the database and handed to the script. Printed: req/s, p50, p99, worker and PostgreSQL
CPU per request, non-2xx answers, and the ratio smarttask/reference against the target 0.7.
Then, with `--memory-requests N`, the four writes in turn against smarttask alone until its
workers have answered N requests in all (the rounds included), and the peak memory (VmHWM) of
every worker of both servers.

    .venv/bin/python bench/writes_load.py [--duration 10] [--rounds 3] [--only create,update]
                                          [--memory-requests 10000]

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
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from auth_load import (
    TABLE_HEAD,
    Run,
    backend_pids,
    migrate,
    print_row,
    print_run,
    recreate_database,
    sqlalchemy_url,
)
from http_load import servers
from loadgen import run_wrk_script
from procinfo import cpu_seconds, machine, mib, status_kib, uvicorn_workers
from seed_tasks import PASSWORD, create_account

TARGET_RATIO = 0.7
OPS = {"create": "task create", "update": "task update", "comment": "comment create",
       "status": "status change"}  # fmt: skip
SCRIPT = Path(__file__).with_name("writes_load.lua")
WORKSPACES = 8
TASKS_PER_PROJECT = 16


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per op")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per target and op")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--pool", type=int, default=8, help="connections per worker, both")
    parser.add_argument("--only", default=",".join(OPS), help="ops, comma-separated")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=0,
        help="requests smarttask's workers answer in all before their peak memory is read",
    )
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="smarttask_bench_writes", help="dropped, recreated")
    parser.add_argument("--smarttask-port", type=int, default=18121)
    parser.add_argument("--reference-port", type=int, default=18122)
    args = parser.parse_args()
    args.counter = "bench"  # what http_load.servers polls until the servers answer
    args.reference_app = "write_reference_app:app"
    args.ready_timeout = 180.0  # a worker's start takes long on a loaded machine
    return args


async def prepare(base: str) -> tuple[str, list[str]]:
    """An owner with a project in each of 8 workspaces and 16 tasks per project, via the API."""
    email = f"writes-{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        _, token = await create_account(client, email, "Bench Writer")
        client.headers["Authorization"] = f"Bearer {token}"
        projects = []
        for n in range(WORKSPACES):
            workspace = (await client.post("/api/v1/workspaces", json={"name": f"W{n}"})).json()
            path = f"/api/v1/workspaces/{workspace['id']}/projects"
            project = (await client.post(path, json={"name": "P", "key": f"WR{n}"})).json()
            projects.append(str(project["id"]))
            for number in range(TASKS_PER_PROJECT):
                created = await client.post(
                    f"/api/v1/projects/{project['id']}/tasks", json={"title": f"t{number}"}
                )
                created.raise_for_status()
    return email, projects


def login(base: str, email: str) -> str:
    """A fresh access token (they live 15 minutes)."""
    answer = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


async def task_rows(dsn: str, projects: list[str]) -> list[tuple[str, int, str]]:
    """The tasks the PATCHes and comments go to: (id, version, status), the first 16 of each
    project (those made before the run, by number)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT id, version, status FROM task WHERE project_id = ANY($1::varchar[]) "
            "AND number <= $2 ORDER BY number, project_id",
            projects,
            TASKS_PER_PROJECT,
        )
    finally:
        await connection.close()
    return [(row["id"], row["version"], row["status"]) for row in rows]


def script(op: str, token: str, threads: int, projects: list[str], tasks: list[Any]) -> str:
    """The Lua script of one run: its parameters, then bench/writes_load.lua."""
    lua_tasks = ", ".join(f'{{"{i}", {v}, "{s}"}}' for i, v, s in tasks)
    prelude = (
        f'op = "{op}"\ntoken = "{token}"\nnonce = "{uuid.uuid4().hex[:12]}"\n'
        f"nthreads = {threads}\nprojects = {{{', '.join(json.dumps(p) for p in projects)}}}\n"
        f"tasks = {{{lua_tasks}}}\n"
    )
    return prelude + SCRIPT.read_text()


def measure(
    args: argparse.Namespace,
    master: int,
    base: str,
    op: str,
    seconds: float,
    context: dict[str, Any],
) -> Run:
    """One wrk run of `op` against one server, with the CPU it cost workers and backends."""
    dsn = f"{args.postgres}/{args.database}"
    # The last run's requests still in flight when wrk stopped commit first: the versions
    # read next are then those the servers hold (else a few stale If-Match, 412).
    time.sleep(2)
    tasks = asyncio.run(task_rows(dsn, context["projects"]))
    lua = script(op, context["token"], args.threads, context["projects"], tasks)
    workers = uvicorn_workers(master)
    backends = asyncio.run(backend_pids(dsn))
    cpu_before, pg_before = cpu_seconds(workers), cpu_seconds(backends)
    load = run_wrk_script(
        base + "/",
        lua,
        seconds=seconds,
        connections=args.connections,
        threads=args.threads,
        lua=context["lua"],
    )
    cpu, pg = cpu_seconds(workers) - cpu_before, cpu_seconds(backends) - pg_before
    per = 1e6 / load.requests if load.requests else float("nan")
    return Run(load, cpu * per, pg * per)


def compare(
    args: argparse.Namespace,
    masters: dict[str, int],
    bases: dict[str, str],
    context: dict[str, Any],
) -> None:
    """Warm-up, then alternating rounds of each op on both targets; the table of medians."""
    ops = [op for op in args.only.split(",") if op]
    names = list(masters)
    results: dict[tuple[str, str], list[Run]] = {}
    for op in ops:
        context["token"] = login(bases["smarttask"], context["email"])
        for name in names:
            warm = measure(args, masters[name], bases[name], op, args.warmup, context)
            context["served"][name] += warm.load.requests
        for round_index in range(args.rounds):
            for name in names if round_index % 2 == 0 else names[::-1]:
                run = measure(args, masters[name], bases[name], op, args.duration, context)
                context["served"][name] += run.load.requests
                results.setdefault((op, name), []).append(run)
                print_run(f"round {round_index + 1} {OPS[op]} {name}", run)
        print("  load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print("\nmedians over the rounds; CPU = uvicorn workers, PG = PostgreSQL backends, per request")
    print(TABLE_HEAD)
    for op in ops:
        rows = {name: print_row(f"{OPS[op]} {name}", results[(op, name)]) for name in names}
        ratio = rows["smarttask"][0] / rows["reference"][0]
        print(
            f"{OPS[op]} ratio smarttask/reference: {ratio:.2f} req/s (target >= {TARGET_RATIO}: "
            f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); p50 "
            f"x{rows['smarttask'][1] / rows['reference'][1]:.1f}, CPU/request "
            f"x{rows['smarttask'][3] / rows['reference'][3]:.1f}; non-2xx answers "
            + ", ".join(f"{n} {sum(r.load.non_2xx for r in results[(op, n)])}" for n in names)
        )


def memory(
    args: argparse.Namespace,
    masters: dict[str, int],
    bases: dict[str, str],
    context: dict[str, Any],
) -> None:
    """The writes in turn against smarttask up to `--memory-requests`; every worker's VmHWM."""
    ops = [op for op in args.only.split(",") if op]
    while context["served"]["smarttask"] < args.memory_requests:
        for op in ops:
            context["token"] = login(bases["smarttask"], context["email"])
            run = measure(args, masters["smarttask"], bases["smarttask"], op, 5.0, context)
            context["served"]["smarttask"] += run.load.requests
    print("\npeak and current RSS (VmHWM, VmRSS) per worker, after the requests answered in all")
    for name, master in masters.items():
        workers = uvicorn_workers(master)
        peaks = [status_kib(pid, "VmHWM") for pid in workers]
        now = [status_kib(pid, "VmRSS") for pid in workers]
        print(
            f"  {name:<10} {context['served'][name]:>7} requests   peak max {mib(max(peaks))}"
            f"   (workers: {', '.join(mib(p) for p in peaks)}; now "
            f"{', '.join(mib(n) for n in now)})"
        )


def main() -> int:
    """Run the whole benchmark and print its figures."""
    args = parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    pg_version = asyncio.run(recreate_database(args.postgres, args.database))
    url = sqlalchemy_url(args.postgres, args.database)
    migrate(url)
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['nproc']} cores, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {pg_version}; "
        + ", ".join(f"{p} {version(p)}" for p in ("fastapi", "sqlalchemy", "asyncpg", "uvicorn"))
    )
    print(
        f"load: wrk, {args.connections} connections, {args.threads} threads, {args.duration:g} s "
        f"x {args.rounds} rounds per target and op, {args.warmup:g} s warm-up; "
        f"{args.workers} uvicorn workers per server"
    )
    # 8 connections per worker on both servers (32 in all): PostgreSQL's 100 are shared with
    # the rest of the machine; each worker serves about 8 of wrk's 16 connections.
    os.environ.update(
        SMARTTASK_DB_POOL_SIZE=str(args.pool),
        SMARTTASK_DB_MAX_OVERFLOW="0",
        BENCH_REFERENCE_POOL_MAX=str(args.pool),
        # No in-process job worker (a separate `smarttask worker` in production): a fresh
        # server's periodic jobs would run during the measurement.
        SMARTTASK_WORKER_IN_PROCESS="false",
    )
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    with (
        tempfile.TemporaryDirectory(prefix="smarttask-writes-bench-") as tmp,
        servers(args, url, Path(tmp)) as targets,
    ):
        masters = {t.name: t.process.pid for t in targets}
        bases = {t.name: t.base for t in targets}
        email, projects = asyncio.run(prepare(bases["smarttask"]))
        context: dict[str, Any] = {"email": email, "projects": projects}
        context["served"] = dict.fromkeys(masters, 0)
        context["lua"] = Path(tmp) / "writes.lua"
        try:
            compare(args, masters, bases, context)
            if args.memory_requests:
                memory(args, masters, bases, context)
        finally:
            for target in targets:
                print(f"\n{target.name}: master {target.process.pid}, exit {target.process.poll()}")
                log = (Path(tmp) / f"{target.name}.log").read_text(errors="replace").strip()
                if log:
                    print(f"{target.name} log (last lines):\n" + "\n".join(log.splitlines()[-8:]))
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
