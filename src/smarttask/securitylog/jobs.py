"""The security log's retention: events older than SMARTTASK_SECURITY_LOG_RETENTION_DAYS go,
daily (0 keeps them forever)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.securitylog import repository

registry = JobSet()
PRUNE = "securitylog.prune"
_BATCH = 5000


@registry.handler(PRUNE)
async def prune(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Delete the events older than the retention (in batches, in the runner's transaction)."""
    days = ctx.settings.security_log_retention_days
    if days == 0:
        return
    before = utcnow() - timedelta(days=days)
    for _ in range(100):  # at most 500,000 a run; the next run takes the rest
        if await repository.prune(ctx.session, before, _BATCH) < _BATCH:
            break


registry.every(timedelta(days=1), PRUNE)
