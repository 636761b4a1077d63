"""Real `smarttask worker` processes: a SIGKILL mid-job, and several processes claiming."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from smarttask.db.engine import Database
from smarttask.settings import Settings
from tests.support.jobs import add_jobs, all_jobs, counter_value, job, job_settings

LEASE_SECONDS = 5


@pytest.fixture
def settings(database_url: str) -> Settings:
    return job_settings(database_url, job_lease_seconds=LEASE_SECONDS)


@pytest.fixture
async def database(settings: Settings, clean_database: None) -> AsyncIterator[Database]:
    db = Database(settings.database)
    yield db
    await db.dispose()


async def start_worker(
    database_url: str, markers: Path, repo_root: Path, concurrency: int = 2
) -> asyncio.subprocess.Process:
    """A `smarttask worker` process with the test handlers."""
    env = {
        **os.environ,
        "SMARTTASK_DATABASE_URL": database_url,
        "SMARTTASK_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "SMARTTASK_JOB_POLL_INTERVAL_SECONDS": "0.1",
        "SMARTTASK_JOB_CONCURRENCY": str(concurrency),
        "SMARTTASK_PERIODIC_JOBS_ENABLED": "false",
        "SMARTTASK_AUTO_MIGRATE": "false",
        "SMARTTASK_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.job_worker_process",
        str(markers),
        cwd=repo_root,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_for(condition: Any, what: str, limit: float = 60) -> None:
    """Poll an async condition until it holds (fails after `limit` seconds)."""
    try:
        async with asyncio.timeout(limit):
            while not await condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"gave up waiting for {what}")


async def stop(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, then the exit code must be 0; its stderr."""
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-3000:]
    return err.decode()


async def test_a_sigkilled_worker_s_job_completes_exactly_once_after_its_lease(
    database_url: str, database: Database, repo_root: Path, tmp_path: Path
) -> None:
    (job_id,) = await add_jobs(database, "test.process.block_first", [{"counter": "effect"}])
    first = await start_worker(database_url, tmp_path, repo_root)
    marker = tmp_path / f"{job_id}.started"

    async def started() -> bool:
        return marker.exists()

    await wait_for(started, "the first worker to be mid-job")
    first.kill()  # SIGKILL: no cleanup, no rollback message, the lease stays
    await first.wait()
    assert first.returncode == -signal.SIGKILL
    held = await job(database, job_id)
    assert (held.state, held.attempts) == ("running", 1)
    assert await counter_value(database, "effect") is None  # the effect was never committed

    second = await start_worker(database_url, tmp_path, repo_root)

    async def finished() -> bool:
        return (await job(database, job_id)).state == "done"

    await wait_for(finished, "the job to be completed by the second worker")
    await stop(second)
    done = await job(database, job_id)
    assert done.attempts == 2
    assert done.finished_at is not None
    assert done.finished_at >= held.locked_until  # not before the dead worker's lease expired
    assert await counter_value(database, "effect") == 1


async def test_worker_processes_share_the_queue_without_running_a_job_twice(
    database_url: str, database: Database, repo_root: Path, tmp_path: Path
) -> None:
    total = 150
    ids = await add_jobs(
        database, "test.process.count", [{"counter": f"job-{i}"} for i in range(total)]
    )
    workers = [await start_worker(database_url, tmp_path, repo_root, 4) for _ in range(3)]

    async def all_done() -> bool:
        return await counter_value(database, "all") == total

    await wait_for(all_done, "every job to be done")
    for process in workers:
        await stop(process)
    assert {j.state for j in await all_jobs(database)} == {"done"}
    assert {j.attempts for j in await all_jobs(database)} == {1}
    for i in range(total):
        assert await counter_value(database, f"job-{i}") == 1
    assert len(ids) == total
