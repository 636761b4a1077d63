"""Housekeeping steps callable on their own; the job `maintenance.purge_idempotency_keys`
(smarttask.jobs.builtin) runs the purge every five minutes."""

from __future__ import annotations

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
