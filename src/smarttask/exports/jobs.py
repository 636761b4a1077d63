"""Job handlers of data exports (registered on import): building one, and the hourly cleanup."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.adapters.storage.factory import build_storage
from smarttask.db.types import utcnow
from smarttask.exports import building, cleanup
from smarttask.exports.service import BUILD
from smarttask.jobs.registry import JobContext, JobSet

log = logging.getLogger("smarttask.exports")
registry = JobSet()
CLEANUP = "exports.cleanup"


@registry.handler(BUILD)
async def build(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Build the payload's export, store it, mark it ready and mail its owner."""
    await building.build(ctx, str(payload["export_id"]))


@registry.handler(CLEANUP)
async def sweep(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Delete expired exports' files; mark exports whose job died failed."""
    result = await cleanup.sweep(ctx.session, build_storage(ctx.settings.files), utcnow())
    if result.expired or result.failed or result.stuck:
        log.info(
            "exports swept",
            extra={"expired": result.expired, "failed": result.failed, "stuck": result.stuck},
        )


registry.every(timedelta(hours=1), CLEANUP)
