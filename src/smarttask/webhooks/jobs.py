"""Job handlers of the webhooks domain (registered on import): one attempt of a delivery,
and the daily retention of the delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.webhooks import delivery, repository
from smarttask.webhooks.service import DELIVER

registry = JobSet()
PRUNE = "webhooks.prune_deliveries"
_BATCH = 5000


@registry.handler(DELIVER)
async def deliver(context: JobContext, payload: dict[str, Any]) -> None:
    """Make the attempt of a webhook delivery this job was queued for."""
    await delivery.attempt(
        context.session,
        context.database,
        context.settings,
        str(payload["delivery_id"]),
        str(payload["token"]),
    )


@registry.handler(PRUNE)
async def prune_deliveries(context: JobContext, payload: dict[str, Any]) -> None:
    """Delete the ended deliveries older than SMARTTASK_WEBHOOK_DELIVERY_RETENTION_DAYS."""
    days = context.settings.webhook_delivery_retention_days
    if days == 0:
        return
    before = utcnow() - timedelta(days=days)
    for _ in range(100):  # at most 500,000 a run; the next run takes the rest
        if await repository.prune_deliveries(context.session, before, _BATCH) < _BATCH:
            break


registry.every(timedelta(days=1), PRUNE)
