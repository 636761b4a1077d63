"""The unread count every signed-in page shows, read without the ORM session.

On a read-only page request it runs on the request's reader (the connection the caller was
looked up on); a page that changes something reads it through its session instead.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Reader
from smarttask.notifications.models import Notification
from smarttask.notifications.sight import readable

BADGE_CAP = 100  # the badge counts this far ("99+"); the partial index answers it

_UNREAD = (
    select(Notification.id)
    .where(
        Notification.user_id == bindparam("user_id", type_=String()),
        Notification.in_app.is_(True),
        Notification.read_at.is_(None),
        readable(),  # not of a private project the reader no longer sees
    )
    .limit(BADGE_CAP)
    .subquery()
)
UNREAD_COUNT = select(func.count().label("unread")).select_from(_UNREAD)


async def unread_badge(reader: Reader | None, session: AsyncSession, user_id: str) -> int:
    """The caller's unread inbox items, counted up to BADGE_CAP."""
    if reader is not None:
        row = await reader.fetch_row(UNREAD_COUNT, {"user_id": user_id})
        return int(row["unread"]) if row is not None else 0
    return int((await session.execute(UNREAD_COUNT, {"user_id": user_id})).scalar_one())
