"""Job throughput: no-op jobs drained by `smarttask worker` processes on PostgreSQL.

On a PostgreSQL database created afresh: W `smarttask worker` processes are started on an
empty queue (concurrency C each); once they all run, N `jobs.noop` jobs are enqueued in one
transaction (the outbox, exactly as requests enqueue) and the clock runs until every job is
`done`. Printed: enqueue rate, drain rate (jobs/s), and that each job ran exactly once.

    .venv/bin/python bench/jobs_load.py [--jobs 5000] [--workers 2] [--concurrency 8]

It prints figures; it never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get(
    "SMARTTASK_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def create_database() -> tuple[str, str]:
    """A fresh database; its asyncpg DSN and its name."""
    name = f"smarttask_bench_jobs_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}", name


async def drop_database(name: str) -> None:
    """Drop the benchmark's database."""
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def enqueue_noops(url: str, count: int) -> float:
    """Enqueue `count` no-op jobs in one transaction; the seconds it took."""
    from smarttask.db.engine import Database
    from smarttask.jobs.queue import enqueue
    from smarttask.settings import Settings

    database = Database(Settings(_env_file=None, database_url=url).database)  # type: ignore[call-arg]
    try:
        started = time.perf_counter()
        async with database.session() as session:
            for _ in range(count):
                await enqueue(session, "jobs.noop", {})
            await session.commit()
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def count_states(dsn: str) -> dict[str, tuple[int, int]]:
    """Jobs per state, with the sum of their attempts."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT state, count(*), sum(attempts) FROM job GROUP BY state"
        )
    finally:
        await connection.close()
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}


def start_workers(
    url: str, workers: int, concurrency: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    """Start `smarttask worker` processes; each writes its log to a file."""
    env = {
        **os.environ,
        "SMARTTASK_DATABASE_URL": url,
        "SMARTTASK_JOB_CONCURRENCY": str(concurrency),
        "SMARTTASK_JOB_POLL_INTERVAL_SECONDS": "0.2",
        "SMARTTASK_PERIODIC_JOBS_ENABLED": "false",
        "SMARTTASK_DB_POOL_SIZE": str(concurrency + 2),
        "SMARTTASK_LOG_LEVEL": "INFO",
    }
    processes = []
    for index in range(workers):
        log = open(logs / f"worker-{index}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "smarttask.entrypoints.cli", "worker"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        )
    return processes


async def wait_until_started(logs: Path, workers: int) -> None:
    """Wait for every worker's `worker started` line."""
    while sum(b"worker started" in p.read_bytes() for p in logs.glob("worker-*.log")) < workers:
        await asyncio.sleep(0.1)


async def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    dsn, name = await create_database()
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    from smarttask.db.migrate import upgrade_async

    await upgrade_async(url)
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder)
        processes = start_workers(url, args.workers, args.concurrency, logs)
        try:
            await wait_until_started(logs, args.workers)
            enqueue_seconds = await enqueue_noops(url, args.jobs)
            started = time.perf_counter()
            while (await count_states(dsn)).get("done", (0, 0))[0] < args.jobs:
                await asyncio.sleep(0.05)
            drain_seconds = time.perf_counter() - started
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        states = await count_states(dsn)
    await drop_database(name)
    done, attempts = states.get("done", (0, 0))
    print(
        f"PostgreSQL, {args.workers} worker processes x concurrency {args.concurrency}, "
        f"{args.jobs} no-op jobs"
    )
    print(f"enqueue (one transaction): {args.jobs / enqueue_seconds:,.0f} jobs/s")
    print(f"drain: {drain_seconds:.2f} s, {args.jobs / drain_seconds:,.0f} jobs/s")
    print(f"done: {done}, attempts: {attempts} (each job ran exactly once: {attempts == done})")


if __name__ == "__main__":
    asyncio.run(main())
