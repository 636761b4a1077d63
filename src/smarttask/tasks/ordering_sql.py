"""The SQL of board ordering: a column's neighbours in (rank, id) order, and its ranks."""

from __future__ import annotations

from sqlalchemy import Select, Table, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.tasks.capped import capped_count
from smarttask.tasks.models import Task
from smarttask.workflow.models import WorkflowState

_TASK: Table = Task.__table__  # type: ignore[assignment]


async def get(session: AsyncSession, task_id: str) -> Task | None:
    """A task, refreshed from the database (its rank may have changed under a lock)."""
    statement = select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


def _column(project_id: str, state_id: str, skip_id: str) -> Select[str]:
    return select(Task.rank).where(
        Task.project_id == project_id, Task.state_id == state_id, Task.id != skip_id
    )


async def next_in_column(
    session: AsyncSession, project_id: str, state_id: str, after: Task, skip_id: str
) -> str | None:
    """The rank of the card right after `after` (leaving out `skip_id`), None if last."""
    statement = (
        _column(project_id, state_id, skip_id)
        .where(tuple_(Task.rank, Task.id) > tuple_(after.rank, after.id))
        .order_by(Task.rank, Task.id)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def previous_in_column(
    session: AsyncSession, project_id: str, state_id: str, before: Task, skip_id: str
) -> str | None:
    """The rank of the card right before `before` (leaving out `skip_id`), None if first."""
    statement = (
        _column(project_id, state_id, skip_id)
        .where(tuple_(Task.rank, Task.id) < tuple_(before.rank, before.id))
        .order_by(Task.rank.desc(), Task.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def last_in_column(
    session: AsyncSession, project_id: str, state_id: str, skip_id: str
) -> str | None:
    """The highest rank of the column (leaving out `skip_id`)."""
    statement = (
        _column(project_id, state_id, skip_id).order_by(Task.rank.desc(), Task.id.desc()).limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def column_ids(session: AsyncSession, project_id: str, state_id: str) -> list[str]:
    """The ids of a column's cards in board order."""
    statement = (
        select(Task.id)
        .where(Task.project_id == project_id, Task.state_id == state_id)
        .order_by(Task.rank, Task.id)
    )
    return list((await session.execute(statement)).scalars())


async def set_ranks(session: AsyncSession, ranks: list[tuple[str, str]]) -> None:
    """Rewrite ranks by task id (Core: no version bump, the cards did not change)."""
    if not ranks:
        return
    statement = (
        update(_TASK).where(_TASK.c.id == bindparam("b_id")).values(rank=bindparam("b_rank"))
    )
    await session.execute(statement, [{"b_id": i, "b_rank": r} for i, r in ranks])


async def columns(
    session: AsyncSession, project_id: str, cap: int
) -> list[tuple[WorkflowState, int]]:
    """A project's states in board order, each with how many tasks it holds, counted up to
    `cap + 1` (a count past `cap` means "more than cap"): one statement, whose cost does not
    grow with the columns' sizes beyond the cap."""
    held = capped_count(
        WorkflowState, cap, Task.project_id == project_id, Task.state_id == WorkflowState.id
    )
    statement = (
        select(WorkflowState, held)
        .where(WorkflowState.project_id == project_id)
        .order_by(WorkflowState.position, WorkflowState.id)
    )
    return [(row[0], int(row[1])) for row in await session.execute(statement)]
