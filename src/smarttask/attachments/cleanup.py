"""The periodic sweep: objects of deleted attachments, stale pending uploads, deleted tasks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity import service as activity
from smarttask.adapters.storage.base import Storage
from smarttask.attachments import repository
from smarttask.attachments.repository import PENDING
from smarttask.db.types import utcnow
from smarttask.settings import StorageSettings

log = logging.getLogger("smarttask.attachments")
BATCH = 200


@dataclass
class SweepResult:
    """What one sweep removed, and what it must retry next time."""

    purged: int = 0
    failed: int = 0


async def sweep(
    session: AsyncSession, storage: Storage, files: StorageSettings, *, batch: int = BATCH
) -> SweepResult:
    """Delete the objects, then the rows, of everything no longer wanted.

    A row whose object cannot be deleted (storage down) stays for the next run. The caller
    commits.
    """
    now = utcnow()
    pending_before = now - timedelta(seconds=files.pending_ttl_seconds)
    result, after_id = SweepResult(), ""
    while True:
        rows = await repository.purgeable(
            session, now=now, pending_before=pending_before, after_id=after_id, limit=batch
        )
        if not rows:
            return result
        done: list[str] = []
        for row in rows:
            try:
                await storage.delete(row.storage_key)
            except Exception as error:  # one unreachable object must not stop the sweep
                log.warning("could not delete object %s", row.storage_key, exc_info=error)
                result.failed += 1
                continue
            done.append(row.id)
            if row.status == PENDING and row.created_at < pending_before:
                activity.record(
                    session,
                    workspace_id=row.workspace_id,
                    task_id=row.task_id,
                    actor_id=None,
                    action="deleted",
                    entity_type="attachment",
                    entity_id=row.id,
                    changes=activity.removal({"status": PENDING, "reason": "never completed"}),
                )
        await repository.delete_rows(session, done)
        result.purged += len(done)
        after_id = rows[-1].id
        if len(rows) < batch:
            return result
