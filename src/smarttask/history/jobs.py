"""The history's periodic job: retention (docs/analytics.md)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.history import repository, retention
from smarttask.history.service import zone
from smarttask.jobs.registry import JobContext, JobSet

log = logging.getLogger("smarttask.history")
registry = JobSet()


@registry.handler("history.retention")
async def purge_old_history(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Fold and purge every workspace's facts and daily aggregates older than the setting."""
    keep = ctx.settings.analytics_retention_days
    now = utcnow()
    for workspace_id in await repository.workspace_ids(ctx.session):
        today = now.astimezone(zone(await repository.zone_of(ctx.session, workspace_id))).date()
        purged = await retention.purge(ctx.session, workspace_id, retention.cutoff_for(today, keep))
        if purged.facts or purged.days:
            log.info(
                "history purged",
                extra={"workspace_id": workspace_id, "facts": purged.facts, "days": purged.days},
            )


registry.every(timedelta(days=1), "history.retention")
