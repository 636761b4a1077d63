"""Built-in jobs: housekeeping that used to run in a server-only loop, and a no-op."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.jobs import repository
from smarttask.jobs.models import DEAD, DONE
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.kit.idempotency import repository as idempotency_repository

log = logging.getLogger("smarttask.jobs")
registry = JobSet()

PURGE_IDEMPOTENCY_KEYS = "maintenance.purge_idempotency_keys"
PURGE_FINISHED_JOBS = "jobs.purge_finished"
NOOP = "jobs.noop"
KEEP_DONE = timedelta(days=7)
KEEP_DEAD = timedelta(days=30)


@registry.handler(PURGE_IDEMPOTENCY_KEYS)
async def purge_idempotency_keys(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete idempotency keys past their time to live."""
    deleted = await idempotency_repository.delete_expired(context.session, utcnow())
    if deleted:
        log.info("expired idempotency keys deleted", extra={"deleted": deleted})


@registry.handler(PURGE_FINISHED_JOBS)
async def purge_finished_jobs(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete done jobs after a week and dead ones after a month."""
    now = utcnow()
    deleted = await repository.delete_finished(context.session, state=DONE, before=now - KEEP_DONE)
    deleted += await repository.delete_finished(context.session, state=DEAD, before=now - KEEP_DEAD)
    if deleted:
        log.info("finished jobs deleted", extra={"deleted": deleted})


@registry.handler(NOOP)
async def noop(_context: JobContext, _payload: dict[str, Any]) -> None:
    """Do nothing (benchmarks and smoke tests of a deployment)."""


registry.every(timedelta(minutes=5), PURGE_IDEMPOTENCY_KEYS)
registry.every(timedelta(hours=1), PURGE_FINISHED_JOBS)
