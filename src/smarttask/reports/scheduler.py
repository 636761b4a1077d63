"""The scheduler: due reports become deliveries, each sent by a job through the outbox.

One transaction claims the due reports, writes one `report_delivery` per run (unique per
report and scheduled instant, so a run is never delivered twice, however many schedulers
run), moves each report's `next_run_at` on, and enqueues the delivery jobs. A report whose
owner can no longer run it stops instead, with the reason, and its run is recorded failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.jobs.queue import enqueue
from smarttask.reports import repository, service
from smarttask.reports.models import FAILED, PENDING, SavedReport
from smarttask.reports.schedule import next_run

log = logging.getLogger("smarttask.reports")

DELIVER = "reports.deliver"
BATCH = 200
MAX_PER_RUN = 5000  # the rest waits for the next minute's run


@dataclass
class Scheduled:
    """What one scheduler run did."""

    queued: int = 0
    stopped: int = 0


def storage_key(workspace_id: str, delivery_id: str) -> str:
    """Where a delivery to storage keeps its file."""
    return f"reports/{workspace_id}/{delivery_id}"


async def stop(session: AsyncSession, report: SavedReport, reason: str) -> None:
    """Stop a report's schedule for good, with the reason shown in its `schedule` block."""
    report.stopped_reason, report.next_run_at = reason, None
    report.updated_at = utcnow()
    await session.flush()
    activity.record(
        session,
        workspace_id=report.workspace_id,
        actor_id=None,
        action="updated",
        entity_type="report",
        entity_id=report.id,
        changes={"stopped_reason": {"old": None, "new": reason}},
    )


async def schedule_due(session: AsyncSession, now: datetime, *, max_attempts: int) -> Scheduled:
    """Turn every report due at `now` into a delivery and a queued job (the caller commits)."""
    done = Scheduled()
    while done.queued + done.stopped < MAX_PER_RUN:
        due = await repository.claim_due(session, now, BATCH)
        for report in due:
            await _schedule(session, report, now, max_attempts, done)
        if len(due) < BATCH:
            break
    if done.queued or done.stopped:
        log.info("reports scheduled", extra={"queued": done.queued, "stopped": done.stopped})
    return done


async def _schedule(
    session: AsyncSession, report: SavedReport, now: datetime, max_attempts: int, done: Scheduled
) -> None:
    scheduled_for = report.next_run_at
    assert scheduled_for is not None, "claimed reports are scheduled"
    reason = await service.stop_reason(session, report)
    delivery_id = new_id()
    stored = report.delivery == "storage" and reason is None
    inserted = await repository.insert_delivery(
        session,
        {
            "id": delivery_id,
            "report_id": report.id,
            "workspace_id": report.workspace_id,
            "scheduled_for": scheduled_for,
            "status": FAILED if reason else PENDING,
            "attempts": 0,
            "error": reason,
            "storage_key": storage_key(report.workspace_id, delivery_id) if stored else None,
            "created_at": now,
        },
    )
    if reason is not None:
        await stop(session, report, reason)
        done.stopped += 1
        return
    # Missed runs (the scheduler was down) are not caught up one by one: the next run is
    # the first one after now.
    report.next_run_at = next_run(
        report.frequency,  # type: ignore[arg-type]
        report.run_time or "00:00",
        report.timezone or "UTC",
        max(now, scheduled_for),
    )
    await session.flush()
    if inserted is not None:
        await enqueue(
            session,
            DELIVER,
            {"delivery_id": inserted, "max_attempts": max_attempts},
            dedupe_key=f"{DELIVER}:{inserted}",
            max_attempts=max_attempts,
        )
        done.queued += 1
