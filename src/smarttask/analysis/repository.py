"""All SQL of analyses and AI token usage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.analysis.models import AIUsage, AIUserUsage, Analysis
from smarttask.db.dialect import upsert
from smarttask.tasks.models import Task, TaskDependency

OPEN = ("pending", "running")
FINISHED_TASKS = 200


async def get(session: AsyncSession, analysis_id: str) -> Analysis | None:
    """One analysis by id."""
    return await session.get(Analysis, analysis_id)


async def latest_for_task(session: AsyncSession, task_id: str) -> Analysis | None:
    """The task's most recent analysis."""
    statement = (
        select(Analysis)
        .where(Analysis.task_id == task_id)
        .order_by(Analysis.created_at.desc(), Analysis.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def find(
    session: AsyncSession,
    *,
    workspace_id: str,
    content_hash: str,
    provider: str,
    model: str,
    prompt_version: str,
    statuses: tuple[str, ...],
    task_id: str | None = None,
) -> Analysis | None:
    """The newest analysis with this cache key in one of `statuses` (of one task if given)."""
    statement = select(Analysis).where(
        Analysis.workspace_id == workspace_id,
        Analysis.content_hash == content_hash,
        Analysis.provider == provider,
        Analysis.model == model,
        Analysis.prompt_version == prompt_version,
        Analysis.status.in_(statuses),
    )
    if task_id is not None:
        statement = statement.where(Analysis.task_id == task_id)
    statement = statement.order_by(Analysis.created_at.desc(), Analysis.id.desc()).limit(1)
    return (await session.execute(statement)).scalar_one_or_none()


async def set_state(
    session: AsyncSession,
    analysis_id: str,
    *,
    only_if: tuple[str, ...],
    attempt: int | None = None,
    **values: Any,
) -> bool:
    """Change an analysis still in one of `only_if`; False if it moved on (or is gone).

    With `attempt`, only while no later job attempt has taken the analysis over: a worker
    that lost its lease (paused, cut off) must not overwrite the run that replaced it.
    """
    statement = update(Analysis).where(Analysis.id == analysis_id, Analysis.status.in_(only_if))
    if attempt is not None:
        statement = statement.where(Analysis.attempts <= attempt)
    statement = statement.values(**values).returning(Analysis.id)
    return (await session.execute(statement)).first() is not None


async def tokens_used(session: AsyncSession, workspace_id: str, day: date) -> int:
    """Tokens the workspace spent on `day` (UTC)."""
    statement = select(AIUsage.tokens).where(
        AIUsage.workspace_id == workspace_id, AIUsage.day == day
    )
    return int((await session.execute(statement)).scalar_one_or_none() or 0)


async def add_tokens(session: AsyncSession, workspace_id: str, day: date, tokens: int) -> None:
    """Add to the day's usage in one atomic upsert (no lost update under concurrency)."""
    insert = upsert(session, AIUsage).values(workspace_id=workspace_id, day=day, tokens=tokens)
    statement = insert.on_conflict_do_update(
        index_elements=["workspace_id", "day"],
        set_={"tokens": AIUsage.tokens + insert.excluded.tokens},
    )
    await session.execute(statement)


async def user_tokens_used(session: AsyncSession, user_id: str, day: date) -> int:
    """Tokens the analyses the user requested spent on `day` (UTC), in every workspace."""
    statement = select(AIUserUsage.tokens).where(
        AIUserUsage.user_id == user_id, AIUserUsage.day == day
    )
    return int((await session.execute(statement)).scalar_one_or_none() or 0)


async def open_requested_by(session: AsyncSession, user_id: str) -> int:
    """How many of the user's analyses are pending or running (not yet billed)."""
    statement = (
        select(func.count())
        .select_from(Analysis)
        .where(Analysis.requested_by == user_id, Analysis.status.in_(OPEN))
    )
    return int((await session.execute(statement)).scalar_one())


async def add_user_tokens(session: AsyncSession, user_id: str, day: date, tokens: int) -> None:
    """Add to the user's usage of the day in one atomic upsert."""
    insert = upsert(session, AIUserUsage).values(user_id=user_id, day=day, tokens=tokens)
    statement = insert.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={"tokens": AIUserUsage.tokens + insert.excluded.tokens},
    )
    await session.execute(statement)


async def open_dependencies(session: AsyncSession, task_id: str) -> int:
    """How many tasks this one waits on that are not finished."""
    statement = (
        select(func.count())
        .select_from(TaskDependency)
        .join(Task, Task.id == TaskDependency.depends_on_id)
        .where(TaskDependency.task_id == task_id, Task.status.not_in(("done", "cancelled")))
    )
    return int((await session.execute(statement)).scalar_one())


async def finished_tasks(
    session: AsyncSession, workspace_id: str, exclude_id: str
) -> list[tuple[str, int | None, datetime, datetime | None]]:
    """Title, estimate, creation and completion of the workspace's latest finished tasks."""
    statement = (
        select(Task.title, Task.estimate_minutes, Task.created_at, Task.completed_at)
        .where(Task.workspace_id == workspace_id, Task.status == "done", Task.id != exclude_id)
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(FINISHED_TASKS)
    )
    return [(r[0], r[1], r[2], r[3]) for r in await session.execute(statement)]
