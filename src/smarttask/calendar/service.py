"""Calendar feed rules: one secret link per person, replaced or turned off at will, and the
feed it serves (docs/calendar.md)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.accounts.tokens import hash_secret
from smarttask.calendar import ics, repository
from smarttask.calendar.schemas import CalendarFeedCreated, CalendarFeedRead
from smarttask.db.types import new_id, utcnow
from smarttask.kit.problems import NotFound

# At most this many events in one feed, the soonest due first (docs/calendar.md).
MAX_EVENTS = 1000
FEED_PREFIX = "/calendar/"
FEED_SUFFIX = ".ics"
# secrets.token_urlsafe(32): 256 random bits, 43 URL-safe characters.
_TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# A fetch is recorded at most this often (a small write outside the feed's read).
TOUCH_EVERY = timedelta(minutes=10)
MISSING = "There is no such calendar feed."


@dataclass(frozen=True, slots=True)
class FeedOwner:
    """The feed a token opened, and whose it is."""

    feed_id: str
    user_id: str
    timezone: str
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    """The feed's ETag, and its document unless the caller already has this version."""

    etag: str
    body: bytes | None


def feed_url(public_url: str, token: str) -> str:
    """The secret URL of a feed token."""
    return f"{public_url}{FEED_PREFIX}{token}{FEED_SUFFIX}"


async def create(session: AsyncSession, user: User, public_url: str) -> CalendarFeedCreated:
    """A new secret feed link for the user; the previous one, if any, stops working at once."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    await repository.put(
        session, feed_id=new_id(), user_id=user.id, token_hash=hash_secret(token), now=utcnow()
    )
    return CalendarFeedCreated(url=feed_url(public_url, token))


async def turn_off(session: AsyncSession, user: User) -> None:
    """Revoke the user's feed link (nothing to do when there is none)."""
    await repository.delete_for_user(session, user.id)


async def read(session: AsyncSession, user: User) -> CalendarFeedRead:
    """Whether the user's feed is on, since when, and its last fetch (never its URL)."""
    feed = await repository.get_for_user(session, user.id)
    if feed is None:
        return CalendarFeedRead(active=False)
    return CalendarFeedRead(active=True, created_at=feed.created_at, last_used_at=feed.last_used_at)


async def owner(session: AsyncSession, token: str) -> FeedOwner:
    """The feed of a token; 404 alike for a malformed, unknown or revoked token and for a
    disabled or erased user."""
    if _TOKEN.fullmatch(token) is None:
        raise NotFound(MISSING)
    row = await repository.owner_by_hash(session, hash_secret(token))
    if row is None:
        raise NotFound(MISSING)
    return FeedOwner(
        feed_id=row.id, user_id=row.user_id, timezone=row.timezone, last_used_at=row.last_used_at
    )


def needs_touch(found: FeedOwner, now: datetime) -> bool:
    """Whether this fetch should be recorded (the last one is older than TOUCH_EVERY)."""
    return found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY


async def touch(session: AsyncSession, found: FeedOwner, now: datetime) -> None:
    """Record a fetch of the feed."""
    await repository.touch(session, found.feed_id, now)


def _matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag, compared weakly."""
    if if_none_match is None:
        return False
    candidates = [candidate.strip() for candidate in if_none_match.split(",")]
    return "*" in candidates or tag in (c.removeprefix("W/") for c in candidates)


async def feed(
    session: AsyncSession, found: FeedOwner, public_url: str, if_none_match: str | None
) -> FeedAnswer:
    """The owner's open assigned tasks with a due date as iCalendar, or only its ETag when
    If-None-Match names it (the document is then not built)."""
    rows = await repository.dated_open_tasks(session, found.user_id, MAX_EVENTS)
    tasks = [
        ics.FeedTask(
            id=row.id,
            key=f"{row.project_key}-{row.number}",
            title=row.title,
            status=row.status,
            priority=row.priority,
            due_at=row.due_at,
            updated_at=row.updated_at,
            version=row.version,
            project_name=row.project_name,
            workspace_name=row.workspace_name,
        )
        for row in rows
    ]
    tag = ics.etag(tasks, public_url, found.timezone)
    if _matches(if_none_match, tag):
        return FeedAnswer(etag=tag, body=None)
    return FeedAnswer(etag=tag, body=ics.build(tasks, public_url, found.timezone))
