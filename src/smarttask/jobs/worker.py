"""The runner loop shared by `smarttask serve`, `smarttask worker` and the Lambda worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any, Literal

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs import repository
from smarttask.jobs.models import DEAD, DONE, QUEUED
from smarttask.jobs.periodic import enqueue_due
from smarttask.jobs.registry import JobRegistry
from smarttask.jobs.runner import Clock, JobRunner, Outcome
from smarttask.kit.tracing import untraced
from smarttask.settings import Settings

log = logging.getLogger("smarttask.jobs")

IdOutcome = Outcome | Literal["finished", "missing", "not_due", "busy"]
MAX_OUTAGE_BACKOFF = 30.0


class Worker:
    """Claims due jobs and runs up to `concurrency` of them at once."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        jobs: JobRegistry,
        *,
        clock: Clock = utcnow,
        name: str | None = None,
        concurrency: int | None = None,
    ) -> None:
        # Handler modules are imported now, not under a fresh lease: an import that blocks
        # the event loop for seconds must not let claimed jobs' leases run out.
        jobs.load()
        self.database = database
        self.settings = settings
        self.registry = jobs
        self.clock = clock
        self.name = name or f"{socket.gethostname()[:60]}:{os.getpid()}"
        self.concurrency = concurrency or settings.jobs.concurrency
        self.runner = JobRunner(database, settings, jobs, clock)
        self._running: set[asyncio.Task[Outcome]] = set()
        self._stopping = asyncio.Event()
        self._periodic_seen: dict[str, str] = {}

    def stop(self) -> None:
        """Stop claiming; `run` then waits for running jobs (bounded) and returns."""
        self._stopping.set()

    async def run(self, *, grace_seconds: float = 10.0) -> None:
        """Run until `stop()`: poll when idle, drain while there is work, outlive outages."""
        failures = 0
        while not self._stopping.is_set():
            try:
                if self.settings.jobs.periodic:
                    await self.schedule_periodic()
                claimed = await self._claim_and_start()
                failures = 0
            except Exception as error:
                failures += 1
                delay = min(MAX_OUTAGE_BACKOFF, self.settings.jobs.poll_interval * 2**failures)
                log.warning(
                    "job claim failed; retrying",
                    extra={"error_type": type(error).__name__, "retry_in_s": delay},
                )
                await self._wait(delay, on_job_end=False)
                continue
            if claimed == 0:
                await self._wait(self.settings.jobs.poll_interval, on_job_end=True)
            elif len(self._running) >= self.concurrency:
                await self._wait(None, on_job_end=True)
        await self._finish_running(grace_seconds)

    async def drain(self, *, deadline: float | None = None, grace_seconds: float = 0.0) -> int:
        """Run due jobs until none is left (or the monotonic `deadline` passes); how many ran.

        Jobs still running at the deadline get `grace_seconds` more, then are cancelled.
        """
        ran = 0
        while deadline is None or time.monotonic() < deadline:
            claimed = await self._claim_and_start()
            ran += claimed
            if claimed == 0 and not self._running:
                break
            if claimed == 0 or len(self._running) >= self.concurrency:
                await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)
        remaining = (
            None if deadline is None else max(0.0, deadline - time.monotonic()) + grace_seconds
        )
        await self._finish_running(remaining)
        return ran

    async def run_ids(self, ids: Sequence[str]) -> dict[str, IdOutcome]:
        """Run exactly these jobs if they are due (an SQS batch); the outcome of each id."""
        token = self._token()
        now = self.clock()
        with untraced(self.database):
            async with self.database.session() as session:
                jobs = await repository.claim(
                    session,
                    now=now,
                    limit=len(ids),
                    lease_until=now + self.runner.lease(),
                    token=token,
                    ids=ids,
                )
                await session.commit()
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(job_id: str, index: int) -> tuple[str, Outcome]:
            async with semaphore:
                return job_id, await self.runner.run(jobs[index], token)

        done = dict(await asyncio.gather(*(one(job.id, i) for i, job in enumerate(jobs))))
        outcomes: dict[str, IdOutcome] = dict(done)
        others = [job_id for job_id in ids if job_id not in outcomes]
        if others:
            async with self.database.session(writes=False) as session:
                states = await repository.states(session, others)
            for job_id in others:
                state = states.get(job_id)
                outcomes[job_id] = (
                    "missing"
                    if state is None
                    else "finished"
                    if state in (DONE, DEAD)
                    else "not_due"
                    if state == QUEUED
                    else "busy"
                )
        return outcomes

    async def schedule_periodic(self) -> int:
        """Enqueue the periodic jobs whose slot came up; how many this call enqueued."""
        periodic = list(self.registry.periodic.values())
        with untraced(self.database):  # every poll: its statements would be a trace each
            return await enqueue_due(self.database, periodic, self.clock(), self._periodic_seen)

    def _token(self) -> str:
        return f"{self.name}:{uuid.uuid4().hex[:12]}"

    async def _claim_and_start(self) -> int:
        free = self.concurrency - len(self._running)
        if free <= 0:
            return 0
        token = self._token()
        now = self.clock()
        with untraced(self.database):  # every poll: its statements would be a trace each
            async with self.database.session() as session:
                jobs = await repository.claim(
                    session, now=now, limit=free, lease_until=now + self.runner.lease(), token=token
                )
                await session.commit()
        # The jobs' tasks start outside `untraced`: each runs in its own span (jobs/runner.py).
        for job in jobs:
            task = asyncio.create_task(self.runner.run(job, token), name=f"job:{job.id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return len(jobs)

    async def _wait(self, seconds: float | None, *, on_job_end: bool) -> None:
        """Sleep until the timeout, a stop request or (optionally) the end of a running job."""
        stop = asyncio.create_task(self._stopping.wait())
        waiting: set[asyncio.Future[Any]] = {stop}
        if on_job_end:
            waiting |= set(self._running)
        try:
            await asyncio.wait(waiting, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()

    async def _finish_running(self, seconds: float | None) -> None:
        """Wait for running jobs up to `seconds`; the rest are cancelled (their leases expire)."""
        if not self._running:
            return
        _, pending = await asyncio.wait(set(self._running), timeout=seconds)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if pending:
            log.warning("jobs cancelled at shutdown", extra={"count": len(pending)})
