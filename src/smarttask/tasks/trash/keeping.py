"""Keeping a deleted task tree in the trash (called by the tasks service's delete)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.types import utcnow
from smarttask.projects import repository as projects
from smarttask.tasks.models import Task
from smarttask.tasks.trash import repository, snapshot
from smarttask.tasks.trash.models import TrashedTask


async def keep(
    session: AsyncSession, user: User, task: Task, doomed: list[str], retention_days: int
) -> None:
    """Snapshot the task, its subtasks and every row referencing them, before their delete."""
    project = await projects.get(session, task.project_id)
    now = utcnow()
    item = TrashedTask(
        id=task.id,
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        number=task.number,
        key=f"{project.key if project else '?'}-{task.number}",
        title=task.title,
        deleted_by=user.id,
        deleted_at=now,
        purge_at=now + timedelta(days=retention_days),
        snapshot=await snapshot.collect(session, doomed),
    )
    await repository.add(session, item, doomed)
