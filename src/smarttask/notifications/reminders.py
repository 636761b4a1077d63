"""Due-soon and overdue reminders to the assignees of open tasks, each once per due date.

A task is *due soon* from SMARTTASK_NOTIFICATION_DUE_SOON_HOURS before its due moment
until that moment, and *overdue* once the moment has passed (`due_at <= now`). Due moments
are instants; the assignee's time zone (`user.timezone`) is the one the reminder writes the
moment in. Overdue reminders are sent for moments at most LOOKBACK old (a task overdue for
months is not announced when reminders are first switched on). Each (task, kind, due date)
is recorded under a unique key before anyone is told, so two runs, concurrent or not, send
it once, and a new due date arms both again. An assignee who can no longer see the task (they
left the workspace, or its private project is hidden from them) is not reminded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import new_id
from smarttask.notifications import queries, service, summaries, visibility
from smarttask.notifications.kinds import Kind
from smarttask.notifications.queries import DueTask
from smarttask.notifications.service import Draft

LOOKBACK = timedelta(days=7)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Reminded:
    """What one run sent."""

    due_soon: int = 0
    overdue: int = 0


async def remind(session: AsyncSession, now: datetime, due_soon_hours: int) -> Reminded:
    """Send the reminders due at `now` (in the caller's transaction)."""
    soon = await queries.due_between(
        session, Kind.DUE_SOON.value, now, now + timedelta(hours=due_soon_hours), BATCH
    )
    late = await queries.due_between(session, Kind.OVERDUE.value, now - LOOKBACK, now, BATCH)
    found = [(Kind.DUE_SOON, task) for task in soon] + [(Kind.OVERDUE, task) for task in late]
    claimed = await queries.claim_reminders(
        session,
        [
            {
                "id": new_id(),
                "task_id": task.id,
                "kind": kind.value,
                "due_at": task.due_at,
                "user_id": task.assignee_id,
                "created_at": now,
            }
            for kind, task in found
        ],
    )
    mine = [(kind, task) for kind, task in found if (task.id, kind.value) in claimed]
    by_workspace: dict[str, list[tuple[Kind, DueTask]]] = defaultdict(list)
    for kind, task in mine:
        by_workspace[task.workspace_id].append((kind, task))
    drafts: list[Draft] = []
    for workspace_id, items in by_workspace.items():
        people = await visibility.audience(
            session,
            workspace_id,
            {task.project_id for _, task in items},
            {task.assignee_id for _, task in items},
        )
        for kind, task in items:
            person = people.get(task.assignee_id)
            if person is None or not visibility.may_see(person, task.project_id):
                continue
            name = summaries.task_name(task.key, task.title)
            text = (
                summaries.due_soon(name, task.due_at, person.timezone)
                if kind == Kind.DUE_SOON
                else summaries.overdue(name, task.due_at, person.timezone)
            )
            drafts.append(Draft(person.id, kind, workspace_id, task.id, None, text))
    await service.deliver(session, drafts)
    return Reminded(
        due_soon=sum(1 for d in drafts if d.kind == Kind.DUE_SOON),
        overdue=sum(1 for d in drafts if d.kind == Kind.OVERDUE),
    )
