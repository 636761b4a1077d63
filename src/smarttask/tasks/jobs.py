"""Job handlers of the tasks domain (registered on import): a board column's rebalance."""

from __future__ import annotations

from typing import Any

from smarttask.jobs.registry import JobContext, JobSet
from smarttask.tasks import ordering

registry = JobSet()


@registry.handler(ordering.REBALANCE)
async def rebalance_column(context: JobContext, payload: dict[str, Any]) -> None:
    """Spread the ranks of one column evenly again (queued when they grew long)."""
    await ordering.rebalance(context.session, str(payload["project_id"]), str(payload["state_id"]))
