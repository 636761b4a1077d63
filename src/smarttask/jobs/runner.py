"""Running one claimed job: its own transaction, a lease heartbeat, and the retry decision."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Database
from smarttask.jobs import repository
from smarttask.jobs.models import Job
from smarttask.jobs.registry import JobContext, JobRegistry, PermanentFailure, RetryLater
from smarttask.jobs.retry import backoff_seconds, describe_error, upstream_delay
from smarttask.kit import metrics, tracing
from smarttask.kit.context import set_request_id
from smarttask.settings import Settings

log = logging.getLogger("smarttask.jobs")

Outcome = Literal["done", "retry", "dead", "lost"]
Clock = Callable[[], datetime]


@dataclass(slots=True)
class JobRunner:
    """Runs claimed jobs through the registry; shared by every runner kind."""

    database: Database
    settings: Settings
    registry: JobRegistry
    clock: Clock

    def lease(self) -> timedelta:
        """How long a claim holds a job before another worker may take it."""
        return timedelta(seconds=self.settings.jobs.lease_seconds)

    async def run(self, job: Job, token: str) -> Outcome:
        """Run one job this worker holds with `token`; how it ended."""
        set_request_id(job.request_id)
        started = time.perf_counter()
        with tracing.job_span(job.kind, job.id, job.attempts, job.traceparent) as span:
            outcome, error = await self._attempt(job, token)
            tracing.end_job_span(span, outcome, error)
            metrics.job_finished(
                job.kind if job.kind in self.registry.handlers else "unknown", outcome
            )
            log.log(
                logging.INFO if outcome == "done" else logging.WARNING,
                "job %s",
                outcome,
                extra={
                    "job_kind": job.kind,
                    "job_id": job.id,
                    "attempt": job.attempts,
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    **({"error": error} if error else {}),
                },
            )
        set_request_id(None)
        return outcome

    async def _attempt(self, job: Job, token: str) -> tuple[Outcome, str | None]:
        handler = self.registry.handlers.get(job.kind)
        if handler is None:
            error = f"no handler is registered for job kind {job.kind!r}"
            return await self._give_up(job, token, error), error
        limit = job.max_attempts or self.settings.jobs.max_attempts
        if job.attempts > limit:  # a worker died holding its last attempt
            error = job.last_error or "the worker holding the last attempt stopped (lease expired)"
            return await self._give_up(job, token, error), error
        heartbeat = asyncio.create_task(self._heartbeat(job.id, token))
        try:
            async with self.database.session() as session:
                context = JobContext(session, self.database, self.settings, job.id, job.attempts)
                await handler(context, dict(job.payload))
                if not await repository.mark_done(session, job.id, token, self.clock()):
                    await session.rollback()  # another worker took it over: keep nothing
                    return "lost", None
                await session.commit()
            return "done", None
        except RetryLater as retry:
            error = describe_error(retry)
            delay = upstream_delay(retry.after_seconds, self._backoff(job.attempts))
            if job.attempts >= limit:
                return await self._give_up(job, token, error), error
            return await self._retry(job, token, delay, error), error
        except PermanentFailure as failure:
            error = describe_error(failure)
            return await self._give_up(job, token, error), error
        except Exception as failure:
            error = describe_error(failure)
            if job.attempts >= limit:
                return await self._give_up(job, token, error), error
            return await self._retry(job, token, self._backoff(job.attempts), error), error
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    def _backoff(self, attempt: int) -> float:
        jobs = self.settings.jobs
        return backoff_seconds(attempt, base=jobs.backoff_base, cap=jobs.backoff_max)

    async def _retry(self, job: Job, token: str, delay: float, error: str) -> Outcome:
        now = self.clock()
        run_at = now + timedelta(seconds=delay)
        if await self._record(
            lambda s: repository.reschedule(s, job.id, token, now=now, run_at=run_at, error=error)
        ):
            return "retry"
        return "lost"

    async def _give_up(self, job: Job, token: str, error: str) -> Outcome:
        now = self.clock()
        if await self._record(
            lambda s: repository.mark_dead(s, job.id, token, now=now, error=error)
        ):
            return "dead"
        return "lost"

    async def _record(self, write: Callable[[AsyncSession], Awaitable[bool]]) -> bool:
        """Write the attempt's result in a fresh transaction; on failure the lease decides."""
        try:
            async with self.database.session() as session:
                held = await write(session)
                await session.commit()
                return held
        except Exception as error:
            log.warning(
                "job result not recorded; the job runs again when its lease expires",
                extra={"error_type": type(error).__name__},
            )
            return False

    async def _heartbeat(self, job_id: str, token: str) -> None:
        """Extend the lease every third of it while the handler runs."""
        interval = self.lease().total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.database.session() as session:
                    now = self.clock()
                    held = await repository.extend_lease(
                        session, job_id, token, now=now, until=now + self.lease()
                    )
                    await session.commit()
            except Exception as error:
                log.warning(
                    "lease not extended",
                    extra={"job_id": job_id, "error_type": type(error).__name__},
                )
                continue
            if not held:
                log.warning("lease lost to another worker", extra={"job_id": job_id})
                return
