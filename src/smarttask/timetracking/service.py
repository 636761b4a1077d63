"""Time tracking rules: who logs, edits and times what, and the task's running total.

A task's `time_spent_minutes` moves by an atomic SQL increment in the transaction of each
change (not a SUM on read): task reads stay one row, concurrent loggers never lose an
update, and the task's `version` does not move (logging time is not an edit of the task).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Forbidden, NotFound, ValidationFailed
from smarttask.tasks import series
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.timetracking import repository
from smarttask.timetracking.models import TimeEntry
from smarttask.timetracking.schemas import (
    TimeEntryCreate,
    TimeEntryRead,
    TimeEntryUpdate,
    check_date,
    check_interval,
)
from smarttask.workspaces.roles import Role

MISSING = "There is no such time entry."
# Clocks differ a little; beyond this, an entry in the future is refused.
_SKEW = timedelta(minutes=5)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


def to_read(entry: TimeEntry) -> TimeEntryRead:
    """An entry's answer body."""
    return TimeEntryRead(
        id=entry.id,
        workspace_id=entry.workspace_id,
        project_id=entry.project_id,
        task_id=entry.task_id,
        user_id=entry.user_id,
        started_at=entry.started_at,
        ended_at=entry.ended_at,
        minutes=entry.minutes,
        date=entry.date,
        note=entry.note,
        running=entry.started_at is not None and entry.ended_at is None,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        version=entry.version,
    )


def values(entry: TimeEntry) -> dict[str, Any]:
    """What the audit trail keeps of an entry."""
    return {
        "task_id": entry.task_id,
        "user_id": entry.user_id,
        "started_at": entry.started_at,
        "ended_at": entry.ended_at,
        "minutes": entry.minutes,
        "date": entry.date.isoformat(),
        "note": entry.note,
    }


def record(
    session: AsyncSession, user: User, entry: TimeEntry, action: Any, changes: dict[str, Any]
) -> None:
    """Add an entry's change to the audit trail."""
    activity.record(
        session,
        workspace_id=entry.workspace_id,
        project_id=entry.project_id,
        actor_id=user.id,
        action=action,
        entity_type="time_entry",
        entity_id=entry.id,
        changes=changes,
    )


async def _today(session: AsyncSession, workspace_id: str, now: datetime) -> tuple[str, date]:
    zone = await series.zone_of(session, workspace_id)
    return zone, now.astimezone(ZoneInfo(zone)).date()


def _check_not_future(ended_at: datetime | None, day: date, today: date, now: datetime) -> None:
    if ended_at is not None and ended_at > now + _SKEW:
        raise _invalid("ended_at", "An entry cannot end in the future.")
    if day > today + timedelta(days=1):
        raise _invalid("date", "An entry cannot be dated in the future.")


def interval_minutes(started_at: datetime, ended_at: datetime) -> int:
    """Whole minutes between two instants."""
    return int((ended_at - started_at).total_seconds() // 60)


def new_entry(task: Task, user_id: str, now: datetime, day: date) -> TimeEntry:
    """A new entry of the user on the task (its times and minutes still to set)."""
    return TimeEntry(
        id=new_id(),
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        task_id=task.id,
        user_id=user_id,
        date=day,
        created_at=now,
        updated_at=now,
        version=1,
    )


async def log(session: AsyncSession, user: User, task_id: str, body: TimeEntryCreate) -> TimeEntry:
    """Log time on a task (members): an interval, or minutes on a local day."""
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    return await add_entry(session, user, task, user.id, body)


async def add_entry(
    session: AsyncSession,
    actor: User,
    task: Task,
    user_id: str,
    body: TimeEntryCreate,
    created_at: datetime | None = None,
) -> TimeEntry:
    """Add `user_id`'s entry to a task whose access was decided (a log, an import): its day
    in the workspace's zone, none in the future, the task's total, the trail by `actor`;
    `created_at` keeps an imported entry's own."""
    now = utcnow()
    zone, today = await _today(session, task.workspace_id, now)
    if body.started_at is not None and body.ended_at is not None:
        day = body.started_at.astimezone(ZoneInfo(zone)).date()
        minutes = interval_minutes(body.started_at, body.ended_at)
    else:
        assert body.date is not None
        assert body.minutes is not None
        day, minutes = body.date, body.minutes
    _check_not_future(body.ended_at, day, today, now)
    entry = new_entry(task, user_id, now, day)
    entry.started_at, entry.ended_at, entry.minutes = body.started_at, body.ended_at, minutes
    entry.note = body.note
    entry.created_at = created_at or entry.created_at
    session.add(entry)
    await session.flush()
    await repository.add_minutes(session, task.id, minutes)
    record(session, actor, entry, "created", activity.snapshot(values(entry)))
    return entry


async def list_for_task(
    session: AsyncSession, user: User, task_id: str, cursor: str | None, limit: int
) -> Page[TimeEntryRead]:
    """A task's entries, newest first (viewers read)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)

    async def fetch(after: tuple[datetime, str] | None, size: int) -> list[TimeEntry]:
        return await repository.list_for_task(session, task.id, after=after, limit=size)

    def cursor_of(entry: TimeEntry) -> str:
        return created_cursor(entry.created_at, entry.id, "desc")

    rows = await fetch_page(created_keyset(cursor, "desc"), limit, fetch, cursor_of)
    return rows.read(to_read)


async def load(session: AsyncSession, user: User, entry_id: str, *, write: bool) -> TimeEntry:
    """An entry the user sees (404 otherwise); to write it, its author (a member) or an admin."""
    entry = await repository.get(session, entry_id)
    if entry is None:
        raise NotFound(MISSING)
    try:
        _, _, access = await tasks.load_with_access(session, user, entry.task_id, Role.VIEWER)
    except NotFound:
        raise NotFound(MISSING) from None
    if write:
        mine = entry.user_id == user.id and access.role.at_least(Role.MEMBER)
        if not (mine or access.role.at_least(Role.ADMIN)):
            raise Forbidden("Only its author or a workspace admin may change a time entry.")
    return entry


async def update(
    session: AsyncSession, user: User, entry: TimeEntry, body: TimeEntryUpdate
) -> TimeEntry:
    """Change an entry, keeping its shape; the task's total moves by the difference."""
    changes = body.model_dump(exclude_unset=True)
    interval = entry.started_at is not None
    for field, value in changes.items():
        if value is None and field != "note":
            raise _invalid(field, f"{field} cannot be null.")
        if field in (("minutes", "date") if interval else ("started_at", "ended_at")):
            raise _invalid(field, f"This entry has no {field}: it is of the other shape.")
    if interval and entry.ended_at is None and ({"started_at", "ended_at"} & changes.keys()):
        raise _invalid("ended_at", "Stop the timer before changing its times.")
    before = values(entry)
    old_minutes = entry.minutes or 0
    now = utcnow()
    zone, today = await _today(session, entry.workspace_id, now)
    for field, value in changes.items():
        setattr(entry, field, value)
    if interval and entry.ended_at is not None and entry.started_at is not None:
        try:
            check_interval(entry.started_at, entry.ended_at)
        except ValueError as error:
            raise _invalid("ended_at", str(error)) from None
        entry.minutes = interval_minutes(entry.started_at, entry.ended_at)
        entry.date = entry.started_at.astimezone(ZoneInfo(zone)).date()
    else:
        try:
            check_date(entry.date)
        except ValueError as error:
            raise _invalid("date", str(error)) from None
    _check_not_future(entry.ended_at if "ended_at" in changes else None, entry.date, today, now)
    changed = activity.diff(before, values(entry))
    if changed:
        entry.updated_at = now
        await session.flush()
        await repository.add_minutes(session, entry.task_id, (entry.minutes or 0) - old_minutes)
        record(session, user, entry, "updated", changed)
    return entry


async def delete(session: AsyncSession, user: User, entry: TimeEntry) -> None:
    """Delete an entry; the task's total loses its minutes."""
    await repository.add_minutes(session, entry.task_id, -(entry.minutes or 0))
    record(session, user, entry, "deleted", activity.removal(values(entry)))
    await session.delete(entry)
    await session.flush()


async def recent(session: AsyncSession, task: Task, limit: int) -> list[TimeEntry]:
    """A task's newest entries (its access already checked)."""
    return await repository.list_for_task(session, task.id, after=None, limit=limit)


async def local_today(session: AsyncSession, workspace_id: str) -> date:
    """Today in the workspace's time zone."""
    return (await _today(session, workspace_id, utcnow()))[1]
