"""Deleting a workflow state: its tasks go to another state, of any category.

Within the category the tasks' status does not change, so one statement moves them all
(`workflow.remove`). Into another category every task changes status, so each goes through
the task update's rules: completion, the next occurrence of a repeating task, the history,
risk, the trail, events and notifications. That costs a task update per task, so at most
`MAX_RECATEGORISED` tasks move that way in one request.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.kit.problems import Conflict
from smarttask.tasks import repository, service
from smarttask.tasks.schemas import TaskUpdate
from smarttask.workflow import service as workflow
from smarttask.workflow.models import WorkflowState

MAX_RECATEGORISED = 500


async def delete_state(
    session: AsyncSession, user: User, state: WorkflowState, move_to: str | None
) -> None:
    """Delete a state (admins checked by the caller); its tasks go to `move_to`."""
    removal = await workflow.check_removal(session, state, move_to)
    target, moved = removal.target, 0
    if target is not None and target.category != state.category:
        tasks = await repository.in_state(
            session, state.project_id, state.id, limit=MAX_RECATEGORISED + 1
        )
        if len(tasks) > MAX_RECATEGORISED:
            raise Conflict(
                f"More than {MAX_RECATEGORISED} tasks are in {state.name}: move them to a "
                f"state of the category {state.category}, or move some of them first."
            )
        change = TaskUpdate(state_id=target.id)
        for task in tasks:  # in column order: they keep it at the end of the new column
            await service.update(session, user, task, change)
        moved = len(tasks)
    await workflow.remove(session, user, removal, moved)
