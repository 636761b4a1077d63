"""Timers: one running per user (a partial unique index); starting one elsewhere stops it.

A stopped timer is a time entry like the others: its whole minutes go to the task's total.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import utcnow
from smarttask.kit.problems import Conflict, NotFound
from smarttask.tasks import service as tasks
from smarttask.timetracking import repository
from smarttask.timetracking.models import TimeEntry
from smarttask.timetracking.schemas import MAX_SPAN
from smarttask.timetracking.service import (
    interval_minutes,
    local_today,
    new_entry,
    record,
    values,
)
from smarttask.workspaces.roles import Role

NO_TIMER = "You have no timer running on this task."


async def _finish(session: AsyncSession, user: User, entry: TimeEntry, now: datetime) -> bool:
    """Stop a running timer (at most 24 hours counted); whether this call stopped it."""
    assert entry.started_at is not None
    ended_at = min(now, entry.started_at + MAX_SPAN)
    minutes = max(0, interval_minutes(entry.started_at, ended_at))
    if not await repository.stop(session, entry.id, ended_at, minutes):
        return False
    await repository.add_minutes(session, entry.task_id, minutes)
    await session.refresh(entry)
    after = {"ended_at": ended_at, "minutes": minutes}
    record(session, user, entry, "updated", activity.diff(dict.fromkeys(after), after))
    return True


async def start_timer(session: AsyncSession, user: User, task_id: str) -> tuple[TimeEntry, bool]:
    """Start the caller's timer on a task; a timer running elsewhere is stopped first.

    Already running on this task: that timer, unchanged (False: nothing was created).
    Two starts at the same moment: the unique index lets one through, the other is a 409.
    """
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    now = utcnow()
    running = await repository.running_for(session, user.id)
    if running is not None and running.task_id == task.id:
        return running, False
    if running is not None:
        await _finish(session, user, running, now)
    entry = new_entry(task, user.id, now, await local_today(session, task.workspace_id))
    entry.started_at = now
    try:
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:
        raise Conflict("Another timer of yours started at the same moment; try again.") from None
    record(session, user, entry, "created", activity.snapshot(values(entry)))
    return entry, True


async def stop_timer(session: AsyncSession, user: User, task_id: str) -> TimeEntry:
    """Stop the caller's timer on this task (404 if none runs there)."""
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    running = await repository.running_for(session, user.id)
    if running is None or running.task_id != task.id:
        raise NotFound(NO_TIMER)
    if not await _finish(session, user, running, utcnow()):
        raise NotFound(NO_TIMER)
    return running


async def my_timer(session: AsyncSession, user: User) -> TimeEntry:
    """The caller's running timer (404 if none)."""
    running = await repository.running_for(session, user.id)
    if running is None:
        raise NotFound("You have no timer running.")
    return running


async def running(session: AsyncSession, user: User) -> TimeEntry | None:
    """The caller's running timer, if any."""
    return await repository.running_for(session, user.id)
