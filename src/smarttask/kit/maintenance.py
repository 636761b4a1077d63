"""Periodic housekeeping run inside the server process."""

from __future__ import annotations

import asyncio
import logging

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.kit.idempotency import repository as idempotency_repository

log = logging.getLogger("smarttask.maintenance")


async def purge_expired_idempotency_keys(database: Database) -> int:
    """Delete idempotency keys older than their time to live; how many went."""
    async with database.session() as session:
        deleted = await idempotency_repository.delete_expired(session, utcnow())
        await session.commit()
    if deleted:
        log.info("expired idempotency keys deleted", extra={"deleted": deleted})
    return deleted


async def run_periodically(database: Database, interval_seconds: float) -> None:
    """Run every housekeeping step now and then every interval, surviving failures."""
    while True:
        try:
            await purge_expired_idempotency_keys(database)
        except Exception as error:  # the database may be down; try again next round
            log.warning("maintenance failed", extra={"error_type": type(error).__name__})
        await asyncio.sleep(interval_seconds)
