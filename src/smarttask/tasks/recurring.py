"""Recurring tasks in the task service: writing a recurrence, completing and skipping.

The rules themselves are in `smarttask.recurrence`; docs/planning.md, Recurring tasks.
Completing an occurrence creates the next one at most once: the new task's
`recurrence_of` is unique, so concurrent completions (or a completion after a reopening)
cannot make a second one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.kit.problems import ValidationFailed
from smarttask.projects import repository as projects
from smarttask.recurrence import rules
from smarttask.recurrence.schemas import RecurrenceWrite
from smarttask.tasks import repository, series
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import Priority, TaskCreate
from smarttask.workspaces import repository as workspaces

Create = Callable[..., Awaitable[tuple[Task, str]]]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


def value(task: Task) -> dict[str, Any] | None:
    """The task's recurrence as its body shows it (and the audit trail records it)."""
    if task.recurrence_rule is None:
        return None
    return {"rrule": task.recurrence_rule, "from": task.recurrence_from}


async def write(
    session: AsyncSession,
    task: Task,
    recurrence: RecurrenceWrite | None,
    *,
    sent: bool,
    now: datetime,
    series_of: Task | None = None,
) -> None:
    """Apply a create's or update's `recurrence` (when sent) and check the task's series.

    A next occurrence (`series_of`: the completed one) inherits its series unchecked.
    """
    if series_of is not None:
        task.recurrence_rule = series_of.recurrence_rule
        task.recurrence_from = series_of.recurrence_from
        task.recurrence_start = series_of.recurrence_start
        task.recurrence_of = series_of.id
        return
    if sent:
        if recurrence is None:
            task.recurrence_rule = task.recurrence_from = task.recurrence_start = None
        else:
            task.recurrence_rule, task.recurrence_from = recurrence.rrule, recurrence.from_
            task.recurrence_start = task.due_at or now
    if task.recurrence_rule is None:
        return
    if task.recurrence_from == rules.FROM_DUE and task.due_at is None:
        field = "recurrence" if sent else "due_at"
        raise _invalid(field, "A task that repeats from its due date needs a due date.")
    if not sent:
        return
    if task.recurrence_from == rules.FROM_COMPLETION and rules.has_count(task.recurrence_rule):
        raise _invalid("recurrence", 'COUNT applies to "from": "due" series; use UNTIL.')
    zone = await series.zone_of(session, task.workspace_id)
    if await _next_due(task, zone, now) is None:
        raise _invalid("recurrence", "This rule has no occurrence after the task's.")


async def _next_due(task: Task, zone: str, now: datetime) -> datetime | None:
    assert task.recurrence_rule is not None
    assert task.recurrence_from is not None
    start = task.recurrence_start or task.due_at or now
    if task.recurrence_from == rules.FROM_DUE:
        return rules.next_from_due(task.recurrence_rule, zone, start, task.due_at or now)
    return rules.next_from_completion(task.recurrence_rule, zone, start, now)


async def upcoming(session: AsyncSession, task: Task, now: datetime) -> datetime | None:
    """The due date the next occurrence would get if the task were completed now."""
    if task.recurrence_rule is None:
        return None
    return await _next_due(task, await series.zone_of(session, task.workspace_id), now)


async def complete(
    session: AsyncSession, user: User, task: Task, now: datetime, create: Create
) -> Task | None:
    """Create the next occurrence of a task just completed, once; None if there is none."""
    if task.recurrence_rule is None or await series.has_successor(session, task.id):
        return None
    due = await _next_due(task, await series.zone_of(session, task.workspace_id), now)
    if due is None:  # UNTIL or COUNT is exhausted: the series ends here
        return None
    project = await projects.get(session, task.project_id)
    assert project is not None
    assignee = task.assignee_id
    if (
        assignee is not None
        and await workspaces.get_membership(session, task.workspace_id, assignee) is None
    ):
        assignee = None
    labels = (await repository.labels_of(session, [task.id])).get(task.id, [])
    body = TaskCreate(
        title=task.title,
        description=task.description,
        priority=Priority.of_rank(task.priority),
        assignee_id=assignee,
        labels=labels,
        parent_id=task.parent_id,
        due_at=due,
        estimate_minutes=task.estimate_minutes,
    )
    try:
        async with session.begin_nested():
            created, _ = await create(session, user, project, body, series_of=task)
    except IntegrityError:  # a concurrent completion made it first
        return None
    return created


async def next_skipped_due(session: AsyncSession, task: Task, now: datetime) -> datetime:
    """The due date a skip moves the task to: its series' next occurrence (422 if none)."""
    if task.recurrence_rule is None or task.recurrence_from is None:
        raise _invalid("recurrence", "This task does not repeat.")
    zone = await series.zone_of(session, task.workspace_id)
    start = task.recurrence_start or task.due_at or now
    if task.recurrence_from == rules.FROM_DUE:
        assert task.due_at is not None
        due = rules.next_from_due(task.recurrence_rule, zone, start, task.due_at)
    else:
        due = rules.next_from_completion(task.recurrence_rule, zone, start, task.due_at or now)
    if due is None:
        raise _invalid("recurrence", "The series has no further occurrence to skip to.")
    return due
