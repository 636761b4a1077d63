"""Job handlers of this domain (registered on import)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.adapters.storage.factory import build_storage
from smarttask.attachments.cleanup import sweep
from smarttask.jobs.registry import JobContext, JobSet

log = logging.getLogger("smarttask.attachments")
registry = JobSet()


@registry.handler("attachments.cleanup")
async def cleanup(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Purge deleted attachments, never-completed uploads and files of deleted tasks."""
    files = ctx.settings.files
    result = await sweep(ctx.session, build_storage(files), files)
    if result.purged or result.failed:
        log.info("attachments swept", extra={"purged": result.purged, "failed": result.failed})


registry.every(timedelta(hours=1), "attachments.cleanup")
