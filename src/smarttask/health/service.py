"""What the health checks look at."""

from __future__ import annotations

import asyncio
import logging

from smarttask.db.engine import Database

log = logging.getLogger("smarttask.health")


async def database_reachable(database: Database, within_seconds: float) -> bool:
    """True when a trivial read answers within the timeout; never writes."""
    try:
        async with asyncio.timeout(within_seconds):
            await database.ping()
    except Exception as error:
        log.warning(
            "health check: database unreachable", extra={"error_type": type(error).__name__}
        )
        return False
    return True
