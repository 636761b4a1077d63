"""Job handlers of the reports domain (registered on import): the scheduler, each delivery,
and the purge of stored report files whose links have expired."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.adapters.storage.factory import build_storage
from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.reports import delivery, repository, scheduler

log = logging.getLogger("smarttask.reports")
registry = JobSet()

SCHEDULE = "reports.schedule"
PURGE_FILES = "reports.purge_files"
# A stored file outlives its link (sent at most a few retries after it was scheduled).
KEEP_FILES = delivery.LINK_TTL + timedelta(days=1)
PURGE_BATCH = 500


@registry.handler(SCHEDULE)
async def schedule(context: JobContext, _payload: dict[str, Any]) -> None:
    """Queue a delivery for every report whose run is due."""
    await scheduler.schedule_due(
        context.session, utcnow(), max_attempts=context.settings.jobs.max_attempts
    )


@registry.handler(scheduler.DELIVER)
async def deliver(context: JobContext, payload: dict[str, Any]) -> None:
    """Render and send one scheduled run of a report."""
    await delivery.deliver(
        context.session,
        context.database,
        context.settings,
        str(payload["delivery_id"]),
        attempt=context.attempt,
        max_attempts=int(payload.get("max_attempts") or context.settings.jobs.max_attempts),
    )


@registry.handler(PURGE_FILES)
async def purge_files(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete stored report files whose links have expired (a failure waits for next time)."""
    storage = build_storage(context.settings.files)
    purged = 0
    for stored in await repository.stored_before(
        context.session, utcnow() - KEEP_FILES, PURGE_BATCH
    ):
        assert stored.storage_key is not None
        try:
            await storage.delete(stored.storage_key)
        except Exception:
            log.warning("report file not deleted", extra={"delivery_id": stored.id}, exc_info=True)
            continue
        stored.storage_key = None
        purged += 1
    if purged:
        log.info("report files purged", extra={"purged": purged})


registry.every(timedelta(minutes=1), SCHEDULE)
registry.every(timedelta(hours=6), PURGE_FILES)
