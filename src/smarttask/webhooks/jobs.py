"""Job handlers of the webhooks domain (registered on import): one attempt of a delivery."""

from __future__ import annotations

from typing import Any

from smarttask.jobs.registry import JobContext, JobSet
from smarttask.webhooks import delivery
from smarttask.webhooks.service import DELIVER

registry = JobSet()


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
