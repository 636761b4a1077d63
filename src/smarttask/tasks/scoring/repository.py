"""All SQL of scoring but the counts (counts.py): facts of tasks, score writes, stored models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.risk.models import RiskModel
from smarttask.tasks.models import Task, TaskDependency

OPEN = ("todo", "in_progress")
_TASK = cast("Table", Task.__table__)
_T = _TASK.c
_CHECKLIST: ColumnElement[bool] = or_(
    Task.description.like("%- [ ]%"),
    Task.description.like("%- [x]%"),
    Task.description.like("%- [X]%"),
    func.lower(Task.description).like("%acceptance criteria%"),
)
# What scoring needs of a task, without loading its (possibly long) description.
FACT_COLUMNS = (
    Task.id,
    Task.workspace_id,
    Task.status,
    Task.priority,
    Task.estimate_minutes,
    func.length(Task.description).label("description_length"),
    case((_CHECKLIST, 1), else_=0).label("has_checklist"),
    Task.reschedule_count,
    Task.assignee_id,
    Task.created_at,
    Task.due_at,
    Task.completed_at,
    Task.updated_at,
)


async def active_models(session: AsyncSession, workspace_ids: Sequence[str]) -> list[RiskModel]:
    """Each workspace's newest trained model, when that one beat the default (is active)."""
    newest = (
        select(RiskModel.workspace_id, func.max(RiskModel.version).label("version"))
        .where(RiskModel.workspace_id.in_(list(workspace_ids)))
        .group_by(RiskModel.workspace_id)
        .subquery()
    )
    statement = select(RiskModel).join(
        newest,
        and_(
            RiskModel.workspace_id == newest.c.workspace_id, RiskModel.version == newest.c.version
        ),
    )
    return [m for m in (await session.execute(statement)).scalars() if m.active]


async def assignee_open_tasks(
    session: AsyncSession, workspace_id: str, assignee_id: str
) -> list[str]:
    """Ids of an assignee's open tasks with a due date in a workspace."""
    statement = select(Task.id).where(
        Task.workspace_id == workspace_id,
        Task.assignee_id == assignee_id,
        Task.status.in_(OPEN),
        Task.due_at.is_not(None),
    )
    return [row[0] for row in await session.execute(statement)]


_OPEN_DEPENDENTS = (
    select(TaskDependency.task_id)
    .distinct()
    .join(Task, Task.id == TaskDependency.task_id)
    .where(
        TaskDependency.depends_on_id.in_(bindparam("task_ids", expanding=True)),
        Task.status.in_(OPEN),
        Task.due_at.is_not(None),
    )
)


async def open_dependents(session: AsyncSession, task_ids: Sequence[str]) -> list[str]:
    """Open tasks with a due date that depend directly on any of these."""
    if not task_ids:
        return []
    params = {"task_ids": list(task_ids)}
    return [row[0] for row in await session.execute(_OPEN_DEPENDENTS, params)]


_SCORED = (*FACT_COLUMNS, Task.risk_score, Task.risk_level, Task.risk_factors)


async def facts_of(session: AsyncSession, task_ids: Sequence[str]) -> Sequence[Row[Any]]:
    """Scoring columns and current scores of some tasks."""
    if not task_ids:
        return []
    statement = select(*_SCORED).where(Task.id.in_(list(task_ids)))
    return (await session.execute(statement)).all()


async def next_batch(
    session: AsyncSession, workspace_id: str | None, after_id: str | None, limit: int
) -> Sequence[Row[Any]]:
    """The next keyset batch (by id) of tasks that carry a score or should carry one."""
    statement = select(*_SCORED).where(
        or_(and_(Task.status.in_(OPEN), Task.due_at.is_not(None)), Task.risk_level.is_not(None))
    )
    if workspace_id is not None:
        statement = statement.where(Task.workspace_id == workspace_id)
    if after_id is not None:
        statement = statement.where(Task.id > after_id)
    return (await session.execute(statement.order_by(Task.id).limit(limit))).all()


async def write_scores(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store scores (keys: task_id, score, level, factors, scored_at); `version` is untouched."""
    if not rows:
        return
    statement = (
        update(_TASK)
        .where(_T.id == bindparam("task_id"))
        .values(
            risk_score=bindparam("score"),
            risk_level=bindparam("level"),
            risk_factors=bindparam("factors", type_=_T.risk_factors.type),
            risk_scored_at=bindparam("scored_at", type_=_T.risk_scored_at.type),
        )
    )
    connection = await session.connection()
    await connection.execute(statement, rows)


async def count_scorable(session: AsyncSession, workspace_id: str | None) -> int:
    """How many tasks a full rescore visits (for a progress bar)."""
    statement = select(func.count()).where(
        or_(and_(Task.status.in_(OPEN), Task.due_at.is_not(None)), Task.risk_level.is_not(None))
    )
    if workspace_id is not None:
        statement = statement.where(Task.workspace_id == workspace_id)
    return int((await session.execute(statement)).scalar_one())
