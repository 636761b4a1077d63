"""All SQL of the data export rows (what an export reads of a user is in contents.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.exports.models import ACTIVE, FAILED, READY, RUNNING, DataExport


async def newest(session: AsyncSession, user_id: str) -> DataExport | None:
    """The user's most recent export, if any."""
    statement = (
        select(DataExport)
        .where(DataExport.user_id == user_id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def active(session: AsyncSession, user_id: str) -> DataExport | None:
    """The user's queued or running export, if any (there is at most one)."""
    statement = select(DataExport).where(
        DataExport.user_id == user_id, DataExport.status.in_(ACTIVE)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def requested_since(
    session: AsyncSession, user_id: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many exports the user asked for since `since` that did not fail, and the first."""
    statement = select(func.count(), func.min(DataExport.created_at)).where(
        DataExport.user_id == user_id,
        DataExport.created_at > since,
        DataExport.status != FAILED,
    )
    count, first = (await session.execute(statement)).one()
    return int(count), first


async def add(session: AsyncSession, row: DataExport) -> bool:
    """Insert a queued export; False when the user already has one queued or running."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def start(session: AsyncSession, export_id: str) -> Row[Any] | None:
    """Mark a queued (or, on a retry, running) export running; (user_id, email, name,
    created_at) of it and its user.

    None when it is no longer to be built (finished, failed, or its user is disabled).
    """
    statement = (
        select(DataExport.user_id, User.email, User.name, DataExport.created_at)
        .join(User, User.id == DataExport.user_id)
        .where(
            DataExport.id == export_id,
            DataExport.status.in_(ACTIVE),
            User.is_active.is_(True),
            User.deleted_at.is_(None),
        )
    )
    found = (await session.execute(statement)).first()
    if found is None:
        return None
    await session.execute(
        update(DataExport).where(DataExport.id == export_id).values(status=RUNNING)
    )
    return cast("Row[Any]", found)


async def finish(
    session: AsyncSession, export_id: str, values: dict[str, Any], statuses: tuple[str, ...]
) -> bool:
    """Move an export in one of `statuses` to its outcome; False when it is in none of them."""
    statement = (
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.status.in_(statuses))
        .values(**values)
    )
    return bool((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def to_delete(
    session: AsyncSession, *, now: datetime, after_id: str, limit: int
) -> Sequence[DataExport]:
    """Ready exports whose file must go: expired, or of a user disabled or erased since."""
    gone_user = exists().where(
        User.id == DataExport.user_id, or_(User.is_active.is_(False), User.deleted_at.is_not(None))
    )
    statement = (
        select(DataExport)
        .where(
            DataExport.status == READY,
            DataExport.id > after_id,
            or_(DataExport.expires_at <= now, gone_user),
        )
        .order_by(DataExport.id)
        .limit(limit)
    )
    return (await session.execute(statement)).scalars().all()


async def stuck(session: AsyncSession, *, before: datetime, limit: int) -> Sequence[DataExport]:
    """Queued or running exports asked for before `before`: their job died without a word."""
    statement = (
        select(DataExport)
        .where(DataExport.status.in_(ACTIVE), DataExport.created_at < before)
        .order_by(DataExport.created_at)
        .limit(limit)
    )
    return (await session.execute(statement)).scalars().all()
