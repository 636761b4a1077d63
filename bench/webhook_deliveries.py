"""Webhook delivery throughput: `smarttask worker` processes sending signed deliveries to a
local receiver, on PostgreSQL.

On a PostgreSQL database created afresh: a workspace with one webhook subscribed to
`task.created`, pointing at a local HTTP receiver that verifies every signature with the
`standardwebhooks` library (tests/support/webhook_receiver.py). W `smarttask worker`
processes (concurrency C each) are started on an empty queue; then N `task.created` events
are published in one transaction through the outbox, so the webhooks reaction writes N
deliveries and N jobs exactly as a burst of changes would. The clock runs until every
delivery is `succeeded`. Printed: the reaction's cost, deliveries per second, latency from
publish to acknowledgement, and that each delivery was acknowledged exactly once.

    .venv/bin/python bench/webhook_deliveries.py [--deliveries 2000] [--workers 2] [--concurrency 8]

With BENCH_KEEP_LOGS=<folder> the workers' logs are kept there. It prints figures; it
never passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_DSN = os.environ.get(
    "SMARTTASK_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = "bench-webhooks-signing-key-0123456789-abcdefgh"
PASSWORD = "bench-Correct-Horse-7431"


async def create_database() -> tuple[str, str]:
    """A fresh database; its asyncpg DSN and its name."""
    name = f"smarttask_bench_webhooks_{uuid.uuid4().hex[:8]}"
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


def settings(url: str) -> Any:
    """The app's settings: webhooks may reach the local receiver."""
    from smarttask.settings import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        secret_key=SECRET_KEY,
        webhook_allow_private=True,
        rate_limit_enabled=False,
        worker_in_process=False,
        log_level="WARNING",
    )


async def seed(url: str, receiver_url: str) -> tuple[str, str]:
    """A user, a workspace and its webhook, through the API in-process; (workspace, secret)."""
    from smarttask.app import create_app

    app = create_app(settings(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Bench"}
        assert (await http.post("/api/v1/auth/register", json=body)).status_code == 201
        login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        made = await http.post("/api/v1/workspaces", json={"name": "Bench"}, headers=headers)
        workspace_id = made.json()["id"]
        hook = await http.post(
            f"/api/v1/workspaces/{workspace_id}/webhooks",
            json={"url": receiver_url, "events": ["task.created"]},
            headers=headers,
        )
        assert hook.status_code == 201, hook.text
    await app.state.database.dispose()
    return workspace_id, str(hook.json()["secret"])


async def publish(url: str, workspace_id: str, count: int) -> float:
    """Publish `count` task.created events in one transaction; the seconds it took."""
    from smarttask.db.engine import Database
    from smarttask.events import outbox
    from smarttask.wiring import reaction_modules

    config = settings(url)
    database = Database(config.database, jobs=config.jobs, reactions=reaction_modules())
    try:
        started = time.perf_counter()
        async with database.session() as session:
            for number in range(count):
                task = {"id": str(uuid.uuid4()), "number": number + 1, "title": f"Task {number}"}
                outbox.emit(
                    session,
                    "task.created",
                    {"task": task, "changes": {}, "key": f"B-{number + 1}"},
                    workspace_id=workspace_id,
                )
            await session.commit()
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def delivery_states(dsn: str) -> dict[str, tuple[int, int]]:
    """Deliveries per status, with the sum of their attempts."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT status, count(*), sum(attempts) FROM webhook_delivery GROUP BY status"
        )
    finally:
        await connection.close()
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}


async def latencies(dsn: str) -> list[float]:
    """Seconds from each delivery's creation to its acknowledgement."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT extract(epoch FROM succeeded_at - created_at) FROM webhook_delivery"
            " WHERE succeeded_at IS NOT NULL"
        )
    finally:
        await connection.close()
    return sorted(float(row[0]) for row in rows)


def start_workers(
    url: str, workers: int, concurrency: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    """Start `smarttask worker` processes; each writes its log to a file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_DATABASE_URL": url,
            "SMARTTASK_SECRET_KEY": SECRET_KEY,
            "SMARTTASK_WEBHOOK_ALLOW_PRIVATE": "true",
            "SMARTTASK_JOB_CONCURRENCY": str(concurrency),
            "SMARTTASK_JOB_POLL_INTERVAL_SECONDS": "0.2",
            "SMARTTASK_PERIODIC_JOBS_ENABLED": "false",
            "SMARTTASK_DB_POOL_SIZE": str(concurrency + 4),
            "SMARTTASK_LOG_LEVEL": "INFO",
        }
    )
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


def job_durations(logs: Path) -> list[float]:
    """Milliseconds each delivery job took, from the workers' `job done` log lines."""
    found = []
    for path in logs.glob("worker-*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if '"job done"' in line or "job done" in line:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("job_kind") == "webhooks.deliver":
                    found.append(float(record["duration_ms"]))
    return sorted(found)


async def main() -> None:
    """Run the benchmark and print its figures."""
    from tests.support.webhook_receiver import WebhookReceiver

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    dsn, name = await create_database()
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    from smarttask.db.migrate import upgrade_async

    await upgrade_async(url)
    receiver = WebhookReceiver().start()
    try:
        workspace_id, secret = await seed(url, receiver.url())
        receiver.secrets = [secret]
        with tempfile.TemporaryDirectory() as folder:
            logs = Path(folder)
            processes = start_workers(url, args.workers, args.concurrency, logs)
            try:
                await wait_until_started(logs, args.workers)
                publish_seconds = await publish(url, workspace_id, args.deliveries)
                started = time.perf_counter()
                while (await delivery_states(dsn)).get("succeeded", (0, 0))[0] < args.deliveries:
                    await asyncio.sleep(0.05)
                drain_seconds = time.perf_counter() - started
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    process.wait(timeout=60)
            durations = job_durations(logs)
            if os.environ.get("BENCH_KEEP_LOGS"):
                import shutil

                shutil.copytree(logs, os.environ["BENCH_KEEP_LOGS"], dirs_exist_ok=True)
        states = await delivery_states(dsn)
        waits = await latencies(dsn)
    finally:
        receiver.stop()
        await drop_database(name)
    succeeded, attempts = states.get("succeeded", (0, 0))
    ids = [request.msg_id for request in receiver.requests]
    print(
        f"PostgreSQL, {args.workers} `smarttask worker` processes x concurrency "
        f"{args.concurrency}, {args.deliveries} deliveries to a local receiver"
    )
    print(
        f"publish + reaction (one transaction: events, deliveries, jobs): "
        f"{publish_seconds:.2f} s, {args.deliveries / publish_seconds:,.0f} deliveries/s"
    )
    print(f"delivery: {drain_seconds:.2f} s, {args.deliveries / drain_seconds:,.0f} deliveries/s")
    print(
        f"publish to acknowledgement: median {statistics.median(waits):.2f} s, "
        f"p95 {waits[int(len(waits) * 0.95) - 1]:.2f} s"
    )
    if durations:
        print(
            f"one delivery job (claimed to done, in the worker): median "
            f"{statistics.median(durations):.1f} ms, "
            f"p95 {durations[int(len(durations) * 0.95) - 1]:.1f} ms"
        )
    print(
        f"succeeded: {succeeded}, attempts: {attempts}, requests: {len(receiver.requests)}, "
        f"distinct webhook-ids: {len(set(ids))}, "
        f"all signatures verified: {all(r.verified for r in receiver.requests)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
