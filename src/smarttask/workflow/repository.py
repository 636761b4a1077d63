"""All SQL of workflow states (and the few task columns a state's deletion rewrites)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, column, func, select, table, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.workflow.models import WorkflowState

# The project and task tables, read without importing their packages (layers above).
_PROJECT = table("project", column("id"), column("workspace_id"))
_TASK = table("task", column("id"), column("state_id"))


def _postgresql(session: AsyncSession) -> bool:
    assert session.bind is not None
    return session.bind.dialect.name == "postgresql"


async def project_workspace(session: AsyncSession, project_id: str) -> str | None:
    """The workspace of a project, None when there is no such project."""
    statement = select(_PROJECT.c.workspace_id).where(_PROJECT.c.id == project_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_project(session: AsyncSession, project_id: str) -> None:
    """Serialise changes to a project's states (PostgreSQL; SQLite serialises writers)."""
    if _postgresql(session):
        await session.execute(
            text("SELECT id FROM project WHERE id = :id FOR UPDATE"), {"id": project_id}
        )


async def lock_state(session: AsyncSession, state_id: str) -> None:
    """Serialise the moves within one column (PostgreSQL; SQLite serialises writers)."""
    if _postgresql(session):
        await session.execute(
            select(WorkflowState.id).where(WorkflowState.id == state_id).with_for_update()
        )


async def of_project(session: AsyncSession, project_id: str) -> list[WorkflowState]:
    """A project's states in board order (position, then id)."""
    statement = (
        select(WorkflowState)
        .where(WorkflowState.project_id == project_id)
        .order_by(WorkflowState.position, WorkflowState.id)
    )
    return list((await session.execute(statement)).scalars())


async def page(
    session: AsyncSession, project_id: str, after: tuple[int, str] | None, limit: int
) -> list[WorkflowState]:
    """Up to `limit` of a project's states in board order, after a (position, id) keyset."""
    statement = (
        select(WorkflowState)
        .where(WorkflowState.project_id == project_id)
        .order_by(WorkflowState.position, WorkflowState.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            tuple_(WorkflowState.position, WorkflowState.id) > tuple_(*after)
        )
    return list((await session.execute(statement)).scalars())


async def get(session: AsyncSession, state_id: str) -> WorkflowState | None:
    """One state."""
    return await session.get(WorkflowState, state_id)


_FIRST_OF = (
    select(WorkflowState)
    .where(
        WorkflowState.project_id == bindparam("project_id"),
        WorkflowState.category == bindparam("category"),
    )
    .order_by(WorkflowState.position, WorkflowState.id)
    .limit(1)
)


async def first_of(session: AsyncSession, project_id: str, category: str) -> WorkflowState | None:
    """The project's first state (lowest position) of a category."""
    params = {"project_id": project_id, "category": category}
    return (await session.execute(_FIRST_OF, params)).scalar_one_or_none()


async def names_of(session: AsyncSession, state_ids: Iterable[str]) -> dict[str, str]:
    """State names by id, for a page of tasks in one query."""
    ids = sorted(set(state_ids))
    if not ids:
        return {}
    statement = select(WorkflowState.id, WorkflowState.name).where(WorkflowState.id.in_(ids))
    return {str(row[0]): str(row[1]) for row in await session.execute(statement)}


async def name_taken(
    session: AsyncSession, project_id: str, name_key: str, except_id: str | None = None
) -> bool:
    """Whether another state of the project has this case-folded name."""
    statement = select(WorkflowState.id).where(
        WorkflowState.project_id == project_id, WorkflowState.name_key == name_key
    )
    if except_id is not None:
        statement = statement.where(WorkflowState.id != except_id)
    return (await session.execute(statement.limit(1))).first() is not None


async def count_tasks(session: AsyncSession, state_id: str) -> int:
    """How many tasks are in a state."""
    statement = select(func.count()).select_from(_TASK).where(_TASK.c.state_id == state_id)
    return int((await session.execute(statement)).scalar_one())


async def move_tasks(session: AsyncSession, from_id: str, to_id: str) -> int:
    """Put every task of one state into another (of the same category); how many moved."""
    result: Any = await session.execute(
        update(_TASK).where(_TASK.c.state_id == from_id).values(state_id=to_id)
    )
    return int(result.rowcount)


async def delete(session: AsyncSession, state: WorkflowState) -> None:
    """Remove a state (no task uses it any more)."""
    await session.delete(state)
    await session.flush()
