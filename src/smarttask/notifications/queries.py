"""All SQL of the background work: reminders and daily digests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.dialect import upsert
from smarttask.notifications.models import Digest, Notification, Reminder
from smarttask.notifications.sight import readable
from smarttask.projects.models import Project
from smarttask.tasks.models import Task
from smarttask.workspaces.models import Membership

OPEN = ("todo", "in_progress")


@dataclass(frozen=True, slots=True)
class DueTask:
    """An open, assigned task whose due moment is in a reminder's window."""

    id: str
    workspace_id: str
    project_id: str
    key: str
    title: str
    due_at: datetime
    assignee_id: str


async def due_between(
    session: AsyncSession, kind: str, start: datetime, end: datetime, limit: int
) -> list[DueTask]:
    """Open, assigned tasks due in (start, end] not yet reminded of `kind` for that due date."""
    reminded = (
        select(Reminder.id)
        .where(Reminder.task_id == Task.id, Reminder.kind == kind, Reminder.due_at == Task.due_at)
        .exists()
    )
    statement = (
        select(
            Task.id,
            Task.workspace_id,
            Task.project_id,
            Task.number,
            Task.title,
            Task.due_at,
            Task.assignee_id,
            Project.key,
        )
        .join(Project, Project.id == Task.project_id)
        .where(
            Task.status.in_(OPEN),
            Task.assignee_id.is_not(None),
            Task.due_at.is_not(None),
            Task.due_at > start,
            Task.due_at <= end,
            ~reminded,
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    return [
        DueTask(
            row.id,
            row.workspace_id,
            row.project_id,
            f"{row.key}-{row.number}",
            row.title,
            row.due_at,
            row.assignee_id,
        )
        for row in await session.execute(statement)
    ]


async def claim_reminders(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> set[tuple[str, str]]:
    """Record reminders; the (task_id, kind) of those this call recorded first (a concurrent
    run that recorded one already wins it: its unique key makes each reminder once)."""
    if not rows:
        return set()
    statement = (
        upsert(session, Reminder)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["task_id", "kind", "due_at"])
        .returning(Reminder.task_id, Reminder.kind)
    )
    return {(row.task_id, row.kind) for row in await session.execute(statement)}


@dataclass(frozen=True, slots=True)
class Reader:
    """A person with digest items waiting."""

    id: str
    name: str
    email: str | None
    timezone: str
    active: bool


async def digest_readers(session: AsyncSession, limit: int) -> list[Reader]:
    """People with pending digest items."""
    waiting = select(Notification.user_id).where(Notification.digest_pending.is_(True)).distinct()
    statement = (
        select(User.id, User.name, User.email, User.timezone, User.is_active, User.deleted_at)
        .where(User.id.in_(waiting))
        .order_by(User.id)
        .limit(limit)
    )
    return [
        Reader(row.id, row.name, row.email, row.timezone, row.is_active and row.deleted_at is None)
        for row in await session.execute(statement)
    ]


async def claim_digest(session: AsyncSession, row: dict[str, Any]) -> str | None:
    """Record a person's digest of a day; its id, or None when that day's was recorded."""
    statement = (
        upsert(session, Digest)
        .values(row)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(Digest.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def pending_items(session: AsyncSession, user_id: str, limit: int) -> list[Notification]:
    """A person's pending digest items, oldest first."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())


async def readable_among(session: AsyncSession, ids: Sequence[str]) -> set[str]:
    """Which of these notifications their reader may still see (notifications/visibility.py)."""
    if not ids:
        return set()
    statement = select(Notification.id).where(Notification.id.in_(list(ids)), readable())
    return set((await session.scalars(statement)).all())


async def workspaces_of(session: AsyncSession, user_id: str) -> set[str]:
    """The workspaces a person is a member of."""
    statement = select(Membership.workspace_id).where(Membership.user_id == user_id)
    return set((await session.scalars(statement)).all())


async def mark_digested(session: AsyncSession, ids: Sequence[str], now: datetime) -> None:
    """Take items out of the pending digest."""
    if ids:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(list(ids)), Notification.digest_pending.is_(True))
            .values(digest_pending=False, digested_at=now)
        )
