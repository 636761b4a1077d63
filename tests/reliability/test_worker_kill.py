"""A `smarttask worker` killed (or frozen) in the middle of an AI analysis job.

The job calls a fake OpenAI server that hangs, so the worker is caught mid-call:

- SIGKILL: the job stays `running` until its lease expires, then another worker runs it
  (the full profile kills three workers in a row). The analysis is stored once, its tokens
  are counted once against the workspace budget, and the job ends `done`.
- SIGSTOP past the lease (a paused VM, a worker cut off from the database): another worker
  takes the job over; when the frozen worker resumes, its late answer or error must change
  nothing that the live worker owns.

The provider itself is called once per attempt: an external call happens at least once,
as docs/jobs.md says; what is exactly once is what the database keeps.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from smarttask.analysis.models import AIUsage, Analysis
from smarttask.db.engine import Database
from smarttask.jobs.models import Job
from tests.support import make_settings
from tests.support.fakes.fixtures import openai_server  # noqa: F401
from tests.support.fakes.llm_servers import OpenAIServer, hang
from tests.support.faults import ServerProcess, base_env, profile, report, wait_until
from tests.support.tasks import Board, new_board, new_task

LEASE_SECONDS = 5


@pytest.fixture
async def database(database_url: str, clean_database: None) -> AsyncIterator[Database]:
    """The database under test, read directly."""
    db = Database(make_settings(database_url).database)
    yield db
    await db.dispose()


class Workers:
    """Starts `smarttask worker` processes talking to the fake OpenAI server."""

    def __init__(self, database_url: str, server: OpenAIServer, folder: Path) -> None:
        self.database_url = database_url
        self.server = server
        self.folder = folder
        self.started: list[ServerProcess] = []

    def start(self, n: int, timeout: float = 60) -> ServerProcess:
        """Worker number n, whose provider calls time out after `timeout` seconds."""
        env = base_env(
            SMARTTASK_DATABASE_URL=self.database_url,
            SMARTTASK_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
            SMARTTASK_JOB_POLL_INTERVAL_SECONDS="0.1",
            SMARTTASK_JOB_BACKOFF_BASE_SECONDS="0.2",
            SMARTTASK_PERIODIC_JOBS_ENABLED="false",
            SMARTTASK_AI_PROVIDER="openai",
            SMARTTASK_AI_MODEL=self.server.default_model,
            SMARTTASK_AI_BASE_URL=self.server.base_url,
            SMARTTASK_AI_API_KEY=self.server.api_key,
            SMARTTASK_AI_TIMEOUT_SECONDS=str(timeout),
            SMARTTASK_AI_MAX_RETRIES="0",
        )
        process = ServerProcess(
            ["worker", "--concurrency", "2"], env, self.folder / f"worker-{n}.log", self.folder
        )
        process.start()
        self.started.append(process)
        return process


@pytest.fixture
def workers(
    database_url: str,
    openai_server: OpenAIServer,  # noqa: F811
    tmp_path: Path,
) -> Iterator[Workers]:
    """The test's worker processes; any still running afterwards is killed (even frozen)."""
    spawned = Workers(database_url, openai_server, tmp_path)
    yield spawned
    for process in spawned.started:
        if process.alive():
            assert process.process is not None
            process.process.send_signal(signal.SIGCONT)
            process.kill()


async def requested_analysis(client: httpx.AsyncClient) -> tuple[Board, str]:
    """A task with an analysis requested (queued, not run: no worker in this process)."""
    board = await new_board(client)
    task = await new_task(
        client, board, title="Fix the Safari sign-in", description="Users cannot sign in."
    )
    response = await client.post(
        f"/api/v1/tasks/{task['id']}/analysis", headers=board.member.headers
    )
    assert response.status_code == 202, response.text
    return board, str(task["id"])


async def holds_a_transaction(database_url: str) -> bool:
    """Whether another connection has a transaction open (on SQLite: the write lock)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.split("///", 1)[1], timeout=0.2)
        connection.isolation_level = None
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        open_transactions = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        )
        return bool(open_transactions)
    finally:
        await connection.close()


async def freeze_mid_call(process: ServerProcess, database_url: str) -> None:
    """SIGSTOP the worker while it waits on the provider, not inside a database transaction.

    Frozen inside a transaction (a lease renewal that happened to be running) it would hold
    its locks, which is another scenario than this test's: then it is resumed and frozen again.
    """
    assert process.process is not None
    for _ in range(100):
        process.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.05)
        if not await holds_a_transaction(database_url):
            return
        process.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.05)
    raise AssertionError("the worker was inside a transaction at every try")


async def only_job(database: Database) -> Job:
    """The one job of the test."""
    async with database.session(writes=False) as session:
        return (await session.execute(select(Job))).scalar_one()


async def analyses_of(database: Database, task_id: str) -> list[Analysis]:
    """Every analysis row of the task."""
    async with database.session(writes=False) as session:
        return list(await session.scalars(select(Analysis).where(Analysis.task_id == task_id)))


async def tokens_spent(database: Database, workspace_id: str) -> int:
    """Tokens counted against the workspace's budget."""
    async with database.session(writes=False) as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(AIUsage.tokens), 0)).where(
                AIUsage.workspace_id == workspace_id
            )
        )
    return int(total or 0)


async def assert_stored_once(database: Database, board: Board, task_id: str) -> Analysis:
    """One analysis, done, its tokens counted once; the analysis."""
    (analysis,) = await analyses_of(database, task_id)
    assert analysis.status == "done", (analysis.status, analysis.error)
    assert analysis.result is not None
    used = analysis.input_tokens + analysis.output_tokens
    assert used > 0
    assert await tokens_spent(database, board.workspace_id) == used
    return analysis


async def test_a_killed_worker_s_analysis_is_stored_exactly_once(
    client_with: Any,
    database: Database,
    workers: Workers,
    openai_server: OpenAIServer,  # noqa: F811
    backend: str,
) -> None:
    kills = profile().kills
    client = await client_with(**openai_server.settings_overrides())
    board, task_id = await requested_analysis(client)
    openai_server.enqueue(*[hang(600) for _ in range(kills)])  # each victim hangs mid-call
    started = time.monotonic()
    leases: list[Any] = []
    for n in range(kills):
        victim = workers.start(n)

        async def mid_call(calls: int = n + 1, process: ServerProcess = victim) -> bool:
            assert process.alive(), process.log_tail()
            return len(openai_server.requests) >= calls

        await wait_until(mid_call, f"worker {n} to be mid-call", limit=60)
        victim.kill()
        assert victim.process is not None
        assert victim.process.returncode == -signal.SIGKILL
        held = await only_job(database)
        assert (held.state, held.attempts) == ("running", n + 1)
        (analysis,) = await analyses_of(database, task_id)
        assert analysis.status == "running"
        assert await tokens_spent(database, board.workspace_id) == 0  # nothing kept yet
        leases.append(held.locked_until)

    survivor = workers.start(kills)

    async def done() -> bool:
        assert survivor.alive(), survivor.log_tail()
        return (await only_job(database)).state in {"done", "dead"}

    await wait_until(done, "the job to be completed by the surviving worker", limit=120)
    assert survivor.stop() == 0, survivor.log_tail()
    elapsed = time.monotonic() - started
    job = await only_job(database)
    assert (job.state, job.attempts) == ("done", kills + 1)
    assert job.finished_at is not None
    assert job.finished_at >= leases[-1]  # not before the last victim's lease expired
    analysis = await assert_stored_once(database, board, task_id)
    assert analysis.attempts == kills + 1
    assert len(openai_server.requests) == kills + 1  # the vendor call: at least once
    report(
        f"worker_kill_{backend}",
        {
            "workers_killed": kills,
            "job_attempts": job.attempts,
            "provider_calls": len(openai_server.requests),
            "analyses_stored": 1,
            "tokens_counted": await tokens_spent(database, board.workspace_id),
            "tokens_of_the_analysis": analysis.input_tokens + analysis.output_tokens,
            "lease_seconds": LEASE_SECONDS,
            "seconds_until_done": round(elapsed, 2),
        },
    )


async def test_a_frozen_worker_that_resumes_after_its_lease_changes_nothing(
    client_with: Any,
    database: Database,
    workers: Workers,
    openai_server: OpenAIServer,  # noqa: F811
    backend: str,
    database_url: str,
) -> None:
    # The frozen worker's call (3 s timeout) fails the moment it resumes, while the live
    # worker still waits for its answer (4 s): the late failure lands in the new run.
    client = await client_with(**openai_server.settings_overrides())
    board, task_id = await requested_analysis(client)
    openai_server.enqueue(hang(600), hang(4))
    frozen = workers.start(0, timeout=3)

    async def calls(count: int) -> bool:
        return len(openai_server.requests) >= count

    await wait_until(lambda: calls(1), "the first worker to be mid-call", limit=60)
    assert frozen.process is not None
    await freeze_mid_call(frozen, database_url)
    try:
        live = workers.start(1, timeout=30)
        await wait_until(lambda: calls(2), "the second worker to take the job over", limit=60)
        taken = await only_job(database)
        assert (taken.state, taken.attempts) == ("running", 2)
    finally:
        frozen.process.send_signal(signal.SIGCONT)

    async def finished() -> bool:
        return (await only_job(database)).state in {"done", "dead"}

    await wait_until(finished, "the live worker to finish the job", limit=60)

    def outcomes(process: ServerProcess) -> list[str]:
        lines = process.log_lines()
        return [
            str(line["outcome"])
            for line in lines
            if line.get("job_id") == taken.id and "outcome" in line
        ]

    async def resumed_worker_done() -> bool:
        return bool(outcomes(frozen))

    await wait_until(resumed_worker_done, "the resumed worker to end its attempt", limit=60)
    for process in (frozen, live):
        assert process.stop() == 0, process.log_tail()
    job = await only_job(database)
    assert (job.state, job.attempts) == ("done", 2)
    analysis = await assert_stored_once(database, board, task_id)
    assert analysis.attempts == 2
    frozen_outcomes = outcomes(frozen)
    assert frozen_outcomes == ["lost"]  # it noticed it no longer held the job
    assert outcomes(live) == ["done"]
    report(
        f"worker_frozen_{backend}",
        {
            "job_attempts": job.attempts,
            "provider_calls": len(openai_server.requests),
            "frozen_worker_outcome": frozen_outcomes,
            "analyses_stored": 1,
            "analysis_status": analysis.status,
            "tokens_counted": await tokens_spent(database, board.workspace_id),
        },
    )
