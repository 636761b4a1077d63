"""Job handlers of the trash (registered on import): the daily purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.tasks.trash import service

registry = JobSet()
PURGE = "trash.purge"


@registry.handler(PURGE)
async def purge(context: JobContext, payload: dict[str, Any]) -> None:
    """Delete for good the trash older than SMARTTASK_TRASH_RETENTION_DAYS."""
    now = utcnow()
    for _ in range(100):  # at most 50,000 a run; the next run takes the rest
        if await service.purge_expired(context.session, now) < service.PURGE_BATCH:
            break


registry.every(timedelta(days=1), PURGE)
