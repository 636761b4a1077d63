"""All SQL of training: a workspace's history, and the stored model runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.risk.models import RiskModel
from smarttask.tasks.models import Task, TaskDependency
from smarttask.tasks.scoring.repository import FACT_COLUMNS


async def latest_version(session: AsyncSession, workspace_id: str) -> int:
    """The highest model version of a workspace, 0 when none was trained."""
    statement = select(func.coalesce(func.max(RiskModel.version), 0)).where(
        RiskModel.workspace_id == workspace_id
    )
    return int((await session.execute(statement)).scalar_one())


async def history(session: AsyncSession, workspace_id: str) -> Sequence[Row[Any]]:
    """Every task of a workspace with what training needs."""
    statement = select(*FACT_COLUMNS).where(Task.workspace_id == workspace_id).order_by(Task.id)
    return (await session.execute(statement)).all()


async def history_edges(
    session: AsyncSession, workspace_id: str
) -> Sequence[Row[str, str, datetime]]:
    """Every dependency (task_id, depends_on_id, created_at) within a workspace."""
    statement = (
        select(TaskDependency.task_id, TaskDependency.depends_on_id, TaskDependency.created_at)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.workspace_id == workspace_id)
    )
    return (await session.execute(statement)).all()


async def workspaces_with_history(session: AsyncSession, minimum: int) -> list[str]:
    """Workspaces with at least `minimum` done tasks that had a due date."""
    statement = (
        select(Task.workspace_id)
        .where(Task.status == "done", Task.due_at.is_not(None))
        .group_by(Task.workspace_id)
        .having(func.count() >= minimum)
    )
    return [row[0] for row in await session.execute(statement)]


def add_model(session: AsyncSession, model: RiskModel) -> None:
    """Stage a trained model row."""
    session.add(model)
