"""All SQL of the security log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.securitylog.models import SecurityEvent


@dataclass(frozen=True, slots=True)
class Filters:
    """Which events a reader asks for; None: any."""

    actor_id: str | None = None
    target_id: str | None = None
    event: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


async def newest_first(
    session: AsyncSession, filters: Filters, before: tuple[datetime, str] | None, limit: int
) -> list[SecurityEvent]:
    """The events that match, newest first, before a keyset position (at most `limit`)."""
    statement = select(SecurityEvent)
    if filters.actor_id is not None:
        statement = statement.where(SecurityEvent.actor_id == filters.actor_id)
    if filters.target_id is not None:
        statement = statement.where(SecurityEvent.target_id == filters.target_id)
    if filters.event is not None:
        statement = statement.where(SecurityEvent.event == filters.event)
    if filters.since is not None:
        statement = statement.where(SecurityEvent.created_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(SecurityEvent.created_at < filters.until)
    if before is not None:
        position = tuple_(SecurityEvent.created_at, SecurityEvent.id)
        statement = statement.where(position < tuple_(*before))
    statement = statement.order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
    return list((await session.scalars(statement.limit(limit))).all())


async def prune(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete at most `limit` events older than `before`, oldest first; how many went."""
    doomed = (
        select(SecurityEvent.id)
        .where(SecurityEvent.created_at < before)
        .order_by(SecurityEvent.created_at, SecurityEvent.id)
        .limit(limit)
    )
    result = await session.execute(delete(SecurityEvent).where(SecurityEvent.id.in_(doomed)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
