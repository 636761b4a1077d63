"""Who a feed URL belongs to: the token in the path, looked up by its hash."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from smarttask.calendar import service
from smarttask.calendar.service import FeedOwner
from smarttask.db.types import utcnow
from smarttask.kit.deps import DatabaseDep
from smarttask.kit.session import SessionDep

# Any text: a malformed token is the same 404 as an unknown one (service.owner).
Token = Annotated[str, Path()]


async def feed_owner(token: Token, session: SessionDep, database: DatabaseDep) -> FeedOwner:
    """The feed of the URL's token (404 otherwise); a fetch is recorded at most every
    TOUCH_EVERY, in a short transaction of its own (the feed itself only reads)."""
    found = await service.owner(session, token)
    now = utcnow()
    if service.needs_touch(found, now):
        async with database.session() as writer:
            await service.touch(writer, found, now)
            await writer.commit()
    return found


FeedOwnerDep = Annotated[FeedOwner, Depends(feed_owner)]
