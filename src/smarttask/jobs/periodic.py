"""Periodic jobs: each interval's slot is enqueued once across every instance."""

from __future__ import annotations

import logging
from datetime import datetime

from smarttask.db.engine import Database
from smarttask.jobs import repository
from smarttask.jobs.queue import enqueue
from smarttask.jobs.registry import PeriodicJob

log = logging.getLogger("smarttask.jobs")


def slot_key(job: PeriodicJob, now: datetime) -> str:
    """The dedupe key of the interval `now` falls in, e.g. `periodic:kind:29012345`."""
    slot = int(now.timestamp() // job.every.total_seconds())
    return f"periodic:{job.kind}:{slot}"


async def enqueue_due(
    database: Database, jobs: list[PeriodicJob], now: datetime, seen: dict[str, str]
) -> int:
    """Enqueue the current slot of each periodic job unless any instance already did.

    `seen` remembers the slots this process already handled, so a slot costs one query per
    process. A slot key stays taken after its job finished: one run per slot, not per finish.
    """
    due = [(job, slot_key(job, now)) for job in jobs if seen.get(job.kind) != slot_key(job, now)]
    if not due:
        return 0
    enqueued = 0
    async with database.session() as session:
        for job, key in due:
            if not await repository.key_ever_used(session, key):
                await enqueue(session, job.kind, dict(job.payload), dedupe_key=key)
                enqueued += 1
        await session.commit()
    for job, key in due:
        seen[job.kind] = key
    if enqueued:
        log.info("periodic jobs enqueued", extra={"count": enqueued})
    return enqueued
