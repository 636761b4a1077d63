"""Where a task sits: its workflow state (kept in step with its status) and its rank.

A task's `status` is always its state's category. Writing `state_id` sets the status;
writing `status` alone puts the task in the first state of that category; both, when they
disagree, are refused. A task that changes column goes to the end of the new one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.kit.problems import ValidationFailed
from smarttask.tasks import ranks
from smarttask.tasks.models import Task
from smarttask.workflow import repository as states
from smarttask.workflow.models import WorkflowState


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}]
    )


_LAST_RANK = (
    select(Task.rank)
    .where(Task.project_id == bindparam("project_id"), Task.state_id == bindparam("state_id"))
    .order_by(Task.rank.desc(), Task.id.desc())
    .limit(1)
)


async def last_rank(session: AsyncSession, project_id: str, state_id: str) -> str | None:
    """The highest rank of a column (None when it is empty)."""
    params = {"project_id": project_id, "state_id": state_id}
    return (await session.execute(_LAST_RANK, params)).scalar_one_or_none()


async def end_of(session: AsyncSession, project_id: str, state_id: str) -> str:
    """A rank after every card of the column."""
    return ranks.between(await last_rank(session, project_id, state_id), None)


async def _state_of(session: AsyncSession, project_id: str, state_id: str) -> WorkflowState:
    state = await states.get(session, state_id)
    if state is None or state.project_id != project_id:
        raise _invalid("state_id", "The state must be one of the task's project.")
    return state


async def _first(session: AsyncSession, project_id: str, category: str) -> WorkflowState:
    state = await states.first_of(session, project_id, category)
    if state is None:  # every project keeps one state per category (workflow/service.py)
        raise _invalid("status", f"The project has no state of the category {category}.")
    return state


async def for_create(
    session: AsyncSession, project_id: str, state_id: str | None, status: str | None
) -> WorkflowState:
    """The state of a new task from its `state_id` and/or `status` (None: not sent)."""
    if state_id is None:
        return await _first(session, project_id, status or "todo")
    state = await _state_of(session, project_id, state_id)
    if status is not None and status != state.category:
        raise _invalid("status", f"The state {state.name} is of the category {state.category}.")
    return state


async def for_update(session: AsyncSession, task: Task, changes: dict[str, Any]) -> str | None:
    """The task's rank at the end of its new state's column when the change moves it (in
    place: `changes` gets the state and its status), None when it stays where it is.

    A project move maps the state to the target's first state of the same category unless
    `state_id` names one of the target's states.
    """
    project_id = changes.get("project_id") or task.project_id
    status = changes.get("status")
    if "state_id" in changes:
        state = await _state_of(session, project_id, changes["state_id"])
        if status is not None and status != state.category:
            raise _invalid("status", f"The state {state.name} is of the category {state.category}.")
    elif project_id != task.project_id:
        target = await states.first_of(session, project_id, status or task.status)
        if target is None:
            return None  # not a project of the workspace: the move refuses it
        state = target
    elif status is not None and status != task.status:
        state = await _first(session, project_id, status)
    else:
        return None
    if state.id == task.state_id:
        changes.pop("state_id", None)
        return None
    changes["state_id"] = state.id
    changes["status"] = state.category
    return await end_of(session, project_id, state.id)


async def follow_project(session: AsyncSession, task: Task, project_id: str) -> None:
    """A task moving to another project (a subtask with its parent): the target's first
    state of its status, at the end of that column."""
    state = await _first(session, project_id, task.status)
    task.state_id = state.id
    task.rank = await end_of(session, project_id, state.id)
