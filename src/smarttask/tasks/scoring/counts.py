"""All SQL counting what a score depends on: open dependencies, the assignee's load and record.

Batched statements for rescoring, prebuilt ones for the write path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.tasks.models import Task, TaskDependency
from smarttask.tasks.scoring.repository import OPEN

_TASK = cast("Table", Task.__table__)
_T = _TASK.c


async def dependency_state(
    session: AsyncSession, task_ids: Sequence[str], now: datetime
) -> dict[str, tuple[int, int]]:
    """(open dependencies, overdue open dependencies) of each task, in one query."""
    if not task_ids:
        return {}
    blocker = Task.__table__.alias("blocker")
    statement = (
        select(
            TaskDependency.task_id,
            func.count(),
            func.sum(case((blocker.c.due_at < now, 1), else_=0)),
        )
        .join(blocker, blocker.c.id == TaskDependency.depends_on_id)
        .where(TaskDependency.task_id.in_(list(task_ids)), blocker.c.status.in_(OPEN))
        .group_by(TaskDependency.task_id)
    )
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in await session.execute(statement)}


async def assignee_stats(
    session: AsyncSession,
    workspace_ids: Sequence[str],
    assignee_ids: Sequence[str],
    now: datetime,
    *,
    exclude_task_id: str | None = None,
) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(open, late, finished-with-a-due-date) per (workspace, assignee), in one query.

    Late: done after the due date, or still open past it. Finished: done with a due date, or
    open past it (its lateness is already known).
    """
    if not assignee_ids:
        return {}
    is_open = Task.status.in_(OPEN)
    overdue_open = and_(is_open, Task.due_at < now)
    late = or_(and_(Task.status == "done", Task.completed_at > Task.due_at), overdue_open)
    finished = and_(Task.due_at.is_not(None), or_(Task.status == "done", overdue_open))
    statement = select(
        Task.workspace_id,
        Task.assignee_id,
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
        func.sum(case((finished, 1), else_=0)),
    ).where(
        Task.workspace_id.in_(list(workspace_ids)),
        Task.assignee_id.in_(list(assignee_ids)),
    )
    if exclude_task_id is not None:
        statement = statement.where(Task.id != exclude_task_id)
    statement = statement.group_by(Task.workspace_id, Task.assignee_id)
    return {
        (row[0], row[1]): (int(row[2] or 0), int(row[3] or 0), int(row[4] or 0))
        for row in await session.execute(statement)
    }


def _prebuilt_counts() -> tuple[Any, Any]:
    """The write path's two statements, built once (statement construction costs more than
    the queries themselves on small tables)."""
    now = bindparam("now", type_=_T.due_at.type)
    blocker = _TASK.alias("blocker")
    dependencies = (
        select(func.count(), func.sum(case((blocker.c.due_at < now, 1), else_=0)))
        .select_from(TaskDependency.__table__.join(blocker, blocker.c.id == _DEP.depends_on_id))
        .where(_DEP.task_id == bindparam("task_id"), blocker.c.status.in_(OPEN))
    )
    is_open = _T.status.in_(OPEN)
    overdue_open = and_(is_open, _T.due_at < now)
    late = or_(and_(_T.status == "done", _T.completed_at > _T.due_at), overdue_open)
    finished = and_(_T.due_at.is_not(None), or_(_T.status == "done", overdue_open))
    assignee = select(
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
        func.sum(case((finished, 1), else_=0)),
    ).where(
        _T.workspace_id == bindparam("workspace_id"),
        _T.assignee_id == bindparam("assignee_id"),
        _T.id != bindparam("task_id"),
    )
    return dependencies, assignee


_DEP = cast("Table", TaskDependency.__table__).c
_DEPENDENCY_COUNTS, _ASSIGNEE_COUNTS = _prebuilt_counts()


async def dependency_counts(session: AsyncSession, task_id: str, now: datetime) -> tuple[int, int]:
    """(open, overdue open) dependencies of one task: the write path's prebuilt statement."""
    connection = await session.connection()
    row = (await connection.execute(_DEPENDENCY_COUNTS, {"task_id": task_id, "now": now})).one()
    return int(row[0] or 0), int(row[1] or 0)


async def assignee_counts(
    session: AsyncSession, workspace_id: str, assignee_id: str, task_id: str, now: datetime
) -> tuple[int, int, int]:
    """(open, late, finished) of an assignee's other tasks: the write path's prebuilt statement."""
    connection = await session.connection()
    params = {
        "workspace_id": workspace_id,
        "assignee_id": assignee_id,
        "task_id": task_id,
        "now": now,
    }
    row = (await connection.execute(_ASSIGNEE_COUNTS, params)).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)
