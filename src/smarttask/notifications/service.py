"""Notification rules: delivering drafts (inbox, instant mail, digest), the inbox, watching,
preferences. Nothing here commits: everything joins the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.types import new_id, utcnow
from smarttask.events import outbox
from smarttask.jobs.queue import enqueue
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import NotFound
from smarttask.notifications import repository
from smarttask.notifications.kinds import DEFAULTS, Choice, EmailMode, Kind
from smarttask.notifications.models import Notification
from smarttask.notifications.schemas import (
    NotificationRead,
    PreferenceRead,
    PreferencesRead,
    PreferencesUpdate,
    ReadAll,
    WatchRead,
)
from smarttask.tasks import service as tasks
from smarttask.workspaces.roles import Role

MISSING = "There is no such notification."
MAIL = "notifications.mail"  # the job that mails one notification at once
CREATED = "notification.created"
READ = "notification.read"


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification to write: who is told what (visibility already checked)."""

    user_id: str
    kind: Kind
    workspace_id: str
    task_id: str | None
    actor_id: str | None
    summary: str


def to_read(notification: Notification) -> NotificationRead:
    """The API body of a notification."""
    return NotificationRead.model_validate(notification)


async def choices(session: AsyncSession, user_ids: Sequence[str]) -> dict[tuple[str, Kind], Choice]:
    """Each user's choice for each type (stored, else the default)."""
    found = {(user_id, kind): choice for user_id in user_ids for kind, choice in DEFAULTS.items()}
    for row in await repository.preferences(session, user_ids):
        if row.type in Kind.__members__.values():
            found[(row.user_id, Kind(row.type))] = Choice(row.in_app, EmailMode(row.email))
    return found


async def deliver(session: AsyncSession, drafts: Sequence[Draft]) -> list[Notification]:
    """Write the drafts as each person chose: inbox items (announced on their stream), a mail
    job per instant one, digest items for the daily ones; those they want nowhere are dropped."""
    if not drafts:
        return []
    wanted = await choices(session, sorted({draft.user_id for draft in drafts}))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    instant: list[str] = []
    for draft in drafts:
        choice = wanted[(draft.user_id, draft.kind)]
        if not choice.in_app and choice.email == EmailMode.OFF:
            continue
        notification_id = new_id()
        row: dict[str, Any] = {
            "id": notification_id,
            "user_id": draft.user_id,
            "workspace_id": draft.workspace_id,
            "task_id": draft.task_id,
            "actor_id": draft.actor_id,
            "type": draft.kind.value,
            "summary": draft.summary,
            "in_app": choice.in_app,
            "digest_pending": choice.email == EmailMode.DAILY,
            "created_at": now,
            "read_at": None,
            "digested_at": None,
        }
        rows.append(row)
        if choice.email == EmailMode.INSTANT:
            instant.append(notification_id)
    await repository.insert_notifications(session, rows)
    shown = [row for row in rows if row["in_app"]]
    unread = await repository.unread_counts(session, [row["user_id"] for row in shown])
    made = [Notification(**row) for row in rows]
    for notification in made:
        if notification.in_app:
            outbox.emit(
                session,
                CREATED,
                {
                    "notification": to_read(notification).model_dump(mode="json"),
                    "unread": unread[notification.user_id],
                },
                workspace_id=notification.workspace_id,
                actor_id=notification.actor_id,
                stream=outbox.user_stream(notification.user_id),
            )
    for notification_id in instant:
        await enqueue(
            session,
            MAIL,
            {"notification_id": notification_id},
            dedupe_key=f"notification-mail:{notification_id}",
        )
    return made


async def inbox(
    session: AsyncSession, user: User, *, unread_only: bool, cursor: str | None, limit: int
) -> Page[NotificationRead]:
    """The caller's inbox, newest first (keyset pages)."""
    order = "unread" if unread_only else "all"
    rows = await fetch_page(
        created_keyset(cursor, order),
        limit,
        lambda after, size: repository.inbox(
            session, user.id, unread_only=unread_only, after=after, limit=size
        ),
        lambda row: created_cursor(row.created_at, row.id, order),
    )
    return rows.read(to_read)


async def unread_count(session: AsyncSession, user: User) -> int:
    """How many of the caller's inbox items are unread."""
    return (await repository.unread_counts(session, [user.id]))[user.id]


def _announce_read(session: AsyncSession, user: User, unread: int) -> None:
    outbox.emit(
        session,
        READ,
        {"unread": unread},
        workspace_id=None,
        actor_id=user.id,
        stream=outbox.user_stream(user.id),
    )


async def mark_read(session: AsyncSession, user: User, notification_id: str) -> NotificationRead:
    """Mark one of the caller's items read (someone else's: 404); idempotent."""
    notification = await repository.get_own(session, user.id, notification_id)
    if notification is None:
        raise NotFound(MISSING)
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.flush()
        _announce_read(session, user, await unread_count(session, user))
    return to_read(notification)


async def mark_all_read(session: AsyncSession, user: User) -> ReadAll:
    """Mark every unread item of the caller read."""
    marked = await repository.mark_all_read(session, user.id, utcnow())
    if marked:
        _announce_read(session, user, 0)
    return ReadAll(marked=marked, unread=0)


async def watching(session: AsyncSession, user: User, task_id: str) -> WatchRead:
    """Whether the caller watches a task they can see (404 otherwise)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    return WatchRead(
        task_id=task.id, watching=await repository.is_watching(session, task.id, user.id)
    )


async def watch(session: AsyncSession, user: User, task_id: str) -> WatchRead:
    """Watch a task the caller can see (404 otherwise)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    await repository.add_watchers(session, [(task.id, user.id)], utcnow())
    return WatchRead(task_id=task.id, watching=True)


async def unwatch(session: AsyncSession, user: User, task_id: str) -> WatchRead:
    """Stop watching a task the caller can see (404 otherwise)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    await repository.remove_watcher(session, task.id, user.id)
    return WatchRead(task_id=task.id, watching=False)


async def preferences(session: AsyncSession, user: User) -> PreferencesRead:
    """The caller's preference for every type."""
    found = await choices(session, [user.id])
    chosen = {kind: found[(user.id, kind)] for kind in Kind}
    return PreferencesRead(
        preferences={
            kind: PreferenceRead(in_app=choice.in_app, email=choice.email)
            for kind, choice in chosen.items()
        }
    )


async def set_preferences(
    session: AsyncSession, user: User, body: PreferencesUpdate
) -> PreferencesRead:
    """Set the caller's preference for the types given; the others keep theirs."""
    now = utcnow()
    await repository.save_preferences(
        session,
        [
            {
                "user_id": user.id,
                "type": kind.value,
                "in_app": choice.in_app,
                "email": choice.email.value,
                "updated_at": now,
            }
            for kind, choice in sorted(body.preferences.items())
        ],
    )
    return await preferences(session, user)
