"""The event log's retention: events older than SMARTTASK_EVENT_RETENTION_HOURS go, daily."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.events import repository
from smarttask.jobs.registry import JobContext, JobSet

registry = JobSet()
PRUNE = "events.prune"
_BATCH = 5000


@registry.handler(PRUNE)
async def prune(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Delete the events older than the retention (in batches, in the runner's transaction)."""
    before = utcnow() - timedelta(hours=ctx.settings.event_retention_hours)
    for _ in range(100):  # at most 500,000 a run; the next run takes the rest
        if await repository.prune(ctx.session, before, _BATCH) < _BATCH:
            break


registry.every(timedelta(hours=1), PRUNE)
