"""The daily digest: each person with pending `daily` items gets one mail during the hour
SMARTTASK_NOTIFICATION_DIGEST_HOUR of their own time zone.

The digest of a (person, local day) is recorded under a unique key, its items are marked and
its mail is queued in one transaction: two runs never send the same day twice, and an item
is in at most one digest. The mail itself is delivered at least once (a crash between the
SMTP server's acceptance and the job's completion sends it again). A run that misses the
whole hour (no runner) leaves the items for the next day's digest. Items of workspaces the
person left, and of tasks in private projects they can no longer see, are dropped, not mailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import new_id
from smarttask.mailing.service import send_later
from smarttask.notifications import mails, queries

MAX_LISTED = 50  # items listed in one mail; the rest are counted
MAX_ITEMS = 1000  # items one digest takes out of the pending ones
READERS = 500  # people handled per run


@dataclass(frozen=True, slots=True)
class Digested:
    """What one run did."""

    sent: int = 0
    items: int = 0


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


async def send_digests(
    session: AsyncSession, now: datetime, digest_hour: int, public_url: str
) -> Digested:
    """Queue the digests due at `now` (in the caller's transaction)."""
    sent = items_sent = 0
    for reader in await queries.digest_readers(session, READERS):
        local = now.astimezone(_zone(reader.timezone))
        if local.hour != digest_hour:
            continue
        digest_id = await queries.claim_digest(
            session,
            {
                "id": new_id(),
                "user_id": reader.id,
                "day": local.date(),
                "items": 0,
                "created_at": now,
            },
        )
        if digest_id is None:
            continue  # this day's digest went out already
        pending = await queries.pending_items(session, reader.id, MAX_ITEMS)
        member_of = await queries.workspaces_of(session, reader.id)
        seen = await queries.readable_among(session, [item.id for item in pending])
        kept = [item for item in pending if item.workspace_id in member_of and item.id in seen]
        await queries.mark_digested(session, [item.id for item in pending], now)
        if not kept or not reader.active or not reader.email:
            continue
        message = mails.digest(
            public_url,
            reader.email,
            reader.name,
            kept[:MAX_LISTED],
            local.strftime("%a %d %b %Y"),
            max(0, len(kept) - MAX_LISTED),
        )
        await send_later(session, message, dedupe_key=f"notification-digest:{digest_id}")
        sent += 1
        items_sent += len(kept)
    return Digested(sent=sent, items=items_sent)
