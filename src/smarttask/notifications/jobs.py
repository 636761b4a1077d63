"""Job handlers of notifications: one notification's mail, the reminders, the digests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.notifications import delivery
from smarttask.notifications.digest import send_digests
from smarttask.notifications.reminders import remind
from smarttask.notifications.service import MAIL

registry = JobSet()

REMIND = "notifications.remind"
DIGEST = "notifications.digest"


@registry.handler(MAIL)
async def mail(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Queue the mail of one notification (if its person may still see it)."""
    await delivery.mail_one(
        ctx.session, str(payload["notification_id"]), ctx.settings.mail.public_url
    )


@registry.handler(REMIND)
async def reminders(ctx: JobContext, _payload: dict[str, Any]) -> None:
    """Send the due-soon and overdue reminders due now."""
    await remind(ctx.session, utcnow(), ctx.settings.notification_due_soon_hours)


@registry.handler(DIGEST)
async def digests(ctx: JobContext, _payload: dict[str, Any]) -> None:
    """Queue the daily digests due now."""
    await send_digests(
        ctx.session,
        utcnow(),
        ctx.settings.notification_digest_hour,
        ctx.settings.mail.public_url,
    )


registry.every(timedelta(minutes=15), REMIND)
registry.every(timedelta(minutes=15), DIGEST)
