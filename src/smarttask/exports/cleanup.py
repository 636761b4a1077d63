"""The hourly cleanup: files of expired exports (and of users disabled or erased since) are
deleted and their exports marked `expired`; exports whose job died without a word are
marked `failed`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.storage.base import Storage
from smarttask.exports import repository
from smarttask.exports.models import EXPIRED, FAILED

log = logging.getLogger("smarttask.exports")
BATCH = 200
# A job gives up within a few minutes of backoff; one still queued or running after this
# long lost its worker for good (its job went dead while it was running).
STUCK_AFTER = timedelta(hours=6)


@dataclass
class SweepResult:
    """What one sweep did, and what it must retry next time."""

    expired: int = 0
    failed: int = 0
    stuck: int = 0


async def sweep(session: AsyncSession, storage: Storage, now: datetime) -> SweepResult:
    """Delete the files, then mark the rows; a file that cannot be deleted (the store is
    down) keeps its row `ready` for the next run. The caller commits."""
    result, after_id = SweepResult(), ""
    while True:
        rows = await repository.to_delete(session, now=now, after_id=after_id, limit=BATCH)
        for row in rows:
            try:
                if row.storage_key:
                    await storage.delete(row.storage_key)
            except Exception as error:  # one unreachable object must not stop the sweep
                log.warning("could not delete export %s", row.id, exc_info=error)
                result.failed += 1
                continue
            row.status, row.storage_key = EXPIRED, None
            result.expired += 1
        if len(rows) < BATCH:
            break
        after_id = rows[-1].id
    while stuck := await repository.stuck(session, before=now - STUCK_AFTER, limit=BATCH):
        for row in stuck:
            row.status, row.finished_at, row.error = FAILED, now, "its job stopped"
        result.stuck += len(stuck)
        await session.flush()
    return result
