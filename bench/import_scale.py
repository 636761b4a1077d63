"""Importing a large Todoist CSV: the time and the peak memory of the import job.

Generates a Todoist project CSV of N tasks (default 10,000) in Todoist's current column set:
a `section` every 500 tasks, one task in four a subtask (INDENT 2), priorities 1-4, an
`@label` on one task in three (from 20 labels), a calendar DATE on one task in two,
a DURATION on one in five, and a `note` on one task in five. A fresh database is migrated
(PostgreSQL by default, `--sqlite` for a SQLite file); a user, a workspace and an empty
project are made through the API in-process (httpx's ASGI transport), the file is uploaded
(`POST /api/v1/projects/{id}/import`, 202), then the job is run by the worker's own code
(`Worker.drain`), measured: wall time and the peak resident set size above the process's
resident set before the job (Linux VmHWM, reset through /proc/self/clear_refs); with
`--traced`, a second import of the same file into a second project measures the peak of
Python's allocations (tracemalloc slows that run: its time is not a figure).

    .venv/bin/python bench/import_scale.py [--tasks 10000] [--sqlite] [--traced]

It prints figures (docs/benchmarks.md has them); it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from smarttask.app import create_app
from smarttask.db.engine import Database
from smarttask.db.migrate import upgrade_async
from smarttask.jobs.worker import Worker
from smarttask.settings import Settings

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_NAME = "smarttask_bench_imports"
PASSWORD = "bench-Correct-Horse-7431"
HEADER_ROW = [
    *("TYPE", "CONTENT", "DESCRIPTION", "PRIORITY", "INDENT", "AUTHOR", "RESPONSIBLE"),
    *("DATE", "DATE_LANG", "TIMEZONE", "DURATION", "DURATION_UNIT"),
]


def todoist_csv(tasks: int) -> bytes:
    """A Todoist project CSV with `tasks` tasks (see the module's docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER_ROW)
    for n in range(tasks):
        if n % 500 == 0:
            writer.writerow(["section", f"Section {n // 500 + 1}", *[""] * 10])
        label = f" @label{n % 20}" if n % 3 == 0 else ""
        date = f"2027-{n % 12 + 1:02d}-{n % 28 + 1:02d}" if n % 2 == 0 else ""
        duration = ["30", "minute"] if n % 5 == 0 else ["", ""]
        indent = "2" if n % 4 == 3 else "1"
        writer.writerow(
            [
                "task",
                f"Task {n}{label}",
                f"What task {n} is about." if n % 2 else "",
                str(n % 4 + 1),
                indent,
                "Bench (1)",
                "",
                date,
                "en",
                "Europe/Berlin",
                *duration,
            ]
        )
        if n % 5 == 0:
            writer.writerow(["note", f"A note on task {n}", *[""] * 10])
    return out.getvalue().encode()


async def fresh_database(sqlite: bool) -> str:
    """The URL of an empty, migrated database."""
    if sqlite:
        folder = Path(tempfile.mkdtemp(prefix="smarttask-imports-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    else:
        admin = Database(Settings(database_url=PG_ADMIN, _env_file=None).database)  # type: ignore[call-arg]
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)"))
            await connection.execute(text(f"CREATE DATABASE {PG_NAME}"))
        await admin.dispose()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_NAME}"
    await upgrade_async(url)
    return url


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS


async def _login(http: httpx.AsyncClient) -> dict[str, str]:
    body = {"email": "bench@example.com", "password": PASSWORD}
    login = await http.post("/api/v1/auth/login", json=body)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _setup(http: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    body = {"email": "bench@example.com", "password": PASSWORD, "name": "Bench"}
    assert (await http.post("/api/v1/auth/register", json=body)).status_code == 201
    headers = await _login(http)
    made = await http.post("/api/v1/workspaces", json={"name": "Bench"}, headers=headers)
    return headers, str(made.json()["id"])


async def _project(http: httpx.AsyncClient, headers: dict[str, str], ws: str, key: str) -> str:
    made = await http.post(
        f"/api/v1/workspaces/{ws}/projects", json={"name": key, "key": key}, headers=headers
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _upload(
    http: httpx.AsyncClient, headers: dict[str, str], project_id: str, data: bytes
) -> str:
    started = await http.post(
        f"/api/v1/projects/{project_id}/import",
        content=data,
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert started.status_code == 202, started.text
    return str(started.headers["Location"])


async def run(args: argparse.Namespace) -> None:
    """Generate, upload, import, measure, print."""
    data = todoist_csv(args.tasks)
    url = await fresh_database(args.sqlite)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        env="development",
        secret_key="bench-secret-key-0123456789abcdef0123456789",
        rate_limit_enabled=False,
        periodic_jobs_enabled=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        headers, workspace_id = await _setup(http)
        worker = Worker(app.state.database, settings, app.state.runtime.jobs, concurrency=1)
        await worker.drain()  # the registration's own jobs
        results: list[tuple[str, float, dict[str, Any]]] = []
        runs = (("ONE", False), ("TWO", True)) if args.traced else (("ONE", False),)
        for key, traced in runs:
            project_id = await _project(http, headers, workspace_id, key)
            location = await _upload(http, headers, project_id, data)
            _reset_peak()
            before = _rss_kib("VmRSS")
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            await worker.drain()
            seconds = time.perf_counter() - started
            peak = _rss_kib("VmHWM") - before
            traced_peak = tracemalloc.get_traced_memory()[1] if traced else 0
            tracemalloc.stop()
            headers = await _login(http)  # the access token may have expired meanwhile
            finished = (await http.get(location, headers=headers)).json()
            assert finished["status"] == "done", finished
            results.append((key, seconds, {"rss": peak, "py": traced_peak, **finished["report"]}))
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"{backend}: Todoist CSV of {args.tasks} tasks, {len(data) / 1e6:.1f} MB")
    key, seconds, one = results[0]
    created = one["created"]
    print(
        f"  import job: {seconds:.1f} s ({created['tasks'] / seconds:.0f} tasks/s); created "
        f"{created['tasks']} tasks, {created['labels']} labels, {created['comments']} comments;"
        f" {one['refused_total']} refused"
    )
    print(f"  peak RSS above the process before the job: {one['rss'] / 1024:.0f} MiB")
    if args.traced:
        traced = results[1][2]["py"] / 2**20
        print(f"  peak of Python allocations (tracemalloc, 2nd import): {traced:.0f} MiB")
    await app.state.database.dispose()


def main() -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--traced", action="store_true", help="also trace Python allocations")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
