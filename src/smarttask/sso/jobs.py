"""Job handlers of single sign-on (registered on import): the purge of spent attempts."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from smarttask.jobs.registry import JobContext, JobSet
from smarttask.sso import service

log = logging.getLogger("smarttask.sso")
registry = JobSet()

PURGE_ATTEMPTS = "sso.purge_attempts"


@registry.handler(PURGE_ATTEMPTS)
async def purge_attempts(context: JobContext, _payload: dict[str, Any]) -> None:
    """Delete sign-in attempts that expired more than a day ago."""
    purged = await service.purge(context.session)
    if purged:
        log.info("expired sso attempts purged", extra={"purged": purged})


registry.every(timedelta(hours=6), PURGE_ATTEMPTS)
