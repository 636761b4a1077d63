"""All SQL of notifications, watchers and preferences (reminders and digests: queries.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ColumnElement

from smarttask.accounts.models import User
from smarttask.db.dialect import dialect_of, insert_for, upsert
from smarttask.db.engine import rows_for_ids
from smarttask.db.prebuilt import bound_rows, row_params
from smarttask.notifications.models import Notification, NotificationPreference, TaskWatch
from smarttask.notifications.sight import readable
from smarttask.projects.models import Project
from smarttask.tasks.models import Task
from smarttask.workspaces.models import Membership


@dataclass(frozen=True, slots=True)
class Person:
    """A user as a notification needs them; `role` in the workspace asked about (None: not in);
    `hidden`: the private projects asked about that they cannot see (visibility.py)."""

    id: str
    name: str
    email: str | None
    timezone: str
    role: str | None
    active: bool
    hidden: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What a summary says of a task."""

    id: str
    workspace_id: str
    project_id: str
    key: str
    title: str
    status: str
    due_at: datetime | None


async def task_facts(session: AsyncSession, task_ids: Iterable[str]) -> dict[str, TaskFacts]:
    """Key, title and state of tasks by id (one statement)."""
    ids = sorted(set(task_ids))
    if not ids:
        return {}
    statement = (
        select(
            Task.id,
            Task.workspace_id,
            Task.project_id,
            Task.number,
            Task.title,
            Task.status,
            Task.due_at,
            Project.key,
        )
        .join(Project, Project.id == Task.project_id)
        .where(Task.id.in_(ids))
    )
    return {
        row.id: TaskFacts(
            row.id,
            row.workspace_id,
            row.project_id,
            f"{row.key}-{row.number}",
            row.title,
            row.status,
            row.due_at,
        )
        for row in await session.execute(statement)
    }


async def people(session: AsyncSession, workspace_id: str, user_ids: Iterable[str]) -> list[Person]:
    """Users by id with their role in the workspace, if any (one statement)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    statement = (
        select(
            User.id,
            User.name,
            User.email,
            User.timezone,
            User.is_active,
            User.deleted_at,
            Membership.role,
        )
        .outerjoin(
            Membership,
            and_(Membership.user_id == User.id, Membership.workspace_id == workspace_id),
        )
        .where(User.id.in_(ids))
    )
    return [
        Person(
            row.id,
            row.name,
            row.email,
            row.timezone,
            row.role,
            bool(row.is_active) and row.deleted_at is None,
        )
        for row in await session.execute(statement)
    ]


async def member_emails(
    session: AsyncSession, workspace_id: str, emails: Iterable[str], locals_: Iterable[str]
) -> dict[str, str]:
    """Lower-case email to user id of the workspace's members with one of these addresses or
    local parts (one statement)."""
    email = func.lower(User.email)
    wanted: list[ColumnElement[bool]] = [email.in_(sorted(set(emails)))]
    wanted += [email.startswith(f"{local}@", autoescape=True) for local in sorted(set(locals_))]
    statement = (
        select(User.id, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.email.is_not(None), or_(*wanted))
    )
    return {str(row.email).lower(): row.id for row in await session.execute(statement)}


async def admins(session: AsyncSession, workspace_id: str) -> list[str]:
    """The owners and admins of a workspace."""
    statement = select(Membership.user_id).where(
        Membership.workspace_id == workspace_id, Membership.role.in_(("owner", "admin"))
    )
    return list((await session.scalars(statement)).all())


_WATCHERS = select(TaskWatch.task_id, TaskWatch.user_id)
# A write of one task (the usual case) reads them on the transaction's reader.
_WATCHERS_OF_ONE = _WATCHERS.where(TaskWatch.task_id == bindparam("id"))
_WATCHERS_OF_MANY = _WATCHERS.where(TaskWatch.task_id.in_(bindparam("ids", expanding=True)))


async def watchers(session: AsyncSession, task_ids: Iterable[str]) -> dict[str, set[str]]:
    """The watchers of each task (one statement)."""
    ids = sorted(set(task_ids))
    found: dict[str, set[str]] = {task_id: set() for task_id in ids}
    rows = await rows_for_ids(session, ids, one=_WATCHERS_OF_ONE, many=_WATCHERS_OF_MANY)
    for row in rows:
        found[row["task_id"]].add(row["user_id"])
    return found


_WATCH_COLUMNS = ("task_id", "user_id", "created_at")


@lru_cache(maxsize=16)
def _add_watchers(dialect: str, rows: int) -> Executable:
    """The insert of `rows` watchers, keeping existing ones (built once per row count)."""
    table = TaskWatch.__table__
    values = bound_rows(table, _WATCH_COLUMNS, rows)
    return insert_for(dialect, table).values(values).on_conflict_do_nothing()


async def add_watchers(
    session: AsyncSession, pairs: Iterable[tuple[str, str]], now: datetime
) -> None:
    """Make each (task, user) a watcher; existing ones stay (one statement)."""
    rows = [{"task_id": t, "user_id": u, "created_at": now} for t, u in sorted(set(pairs))]
    if rows:
        statement = _add_watchers(dialect_of(session), len(rows))
        await session.execute(statement, row_params(rows, _WATCH_COLUMNS))


async def remove_watcher(session: AsyncSession, task_id: str, user_id: str) -> None:
    """Stop a user watching a task."""
    await session.execute(
        delete(TaskWatch).where(TaskWatch.task_id == task_id, TaskWatch.user_id == user_id)
    )


async def is_watching(session: AsyncSession, task_id: str, user_id: str) -> bool:
    """Whether the user watches the task."""
    statement = select(TaskWatch.user_id).where(
        TaskWatch.task_id == task_id, TaskWatch.user_id == user_id
    )
    return (await session.scalar(statement)) is not None


async def preferences(
    session: AsyncSession, user_ids: Iterable[str]
) -> list[NotificationPreference]:
    """The stored preferences of these users (one statement)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    statement = select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))
    return list((await session.scalars(statement)).all())


async def save_preferences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace preference rows (one statement)."""
    if not rows:
        return
    statement = upsert(session, NotificationPreference).values(list(rows))
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "type"],
            set_={
                "in_app": statement.excluded.in_app,
                "email": statement.excluded.email,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


async def insert_notifications(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert notifications (one statement)."""
    if rows:
        await session.execute(insert(Notification), list(rows))


def _unread(user_id: Any) -> Any:
    return and_(
        Notification.user_id == user_id,
        Notification.in_app.is_(True),
        Notification.read_at.is_(None),
        readable(),
    )


async def unread_counts(session: AsyncSession, user_ids: Iterable[str]) -> dict[str, int]:
    """Unread inbox items per user (one statement)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    statement = (
        select(Notification.user_id, func.count())
        .where(_unread(Notification.user_id), Notification.user_id.in_(ids))
        .group_by(Notification.user_id)
    )
    found = {row[0]: int(row[1]) for row in await session.execute(statement)}
    return {user_id: found.get(user_id, 0) for user_id in ids}


async def inbox(
    session: AsyncSession,
    user_id: str,
    *,
    unread_only: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Notification]:
    """A user's inbox, newest first, after a keyset position (what they may still see)."""
    position = tuple_(Notification.created_at, Notification.id)
    statement = (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.in_app.is_(True), readable())
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    if after is not None:
        statement = statement.where(position < tuple_(*after))
    return list((await session.scalars(statement)).all())


async def get_own(session: AsyncSession, user_id: str, notification_id: str) -> Notification | None:
    """One of the user's inbox items (None for anyone else's, or one they may no longer see)."""
    statement = select(Notification).where(
        Notification.id == notification_id,
        Notification.user_id == user_id,
        Notification.in_app.is_(True),
        readable(),
    )
    return (await session.scalars(statement)).first()


async def get(session: AsyncSession, notification_id: str) -> Notification | None:
    """A notification by id."""
    return await session.get(Notification, notification_id)


async def mark_all_read(session: AsyncSession, user_id: str, now: datetime) -> int:
    """Mark every unread item of the user read; how many."""
    result = await session.execute(update(Notification).where(_unread(user_id)).values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
