"""All SQL of bulk edits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.projects.models import Project
from smarttask.tasks.models import Task


async def get_many(session: AsyncSession, task_ids: list[str]) -> dict[str, tuple[Task, str]]:
    """Tasks by id with their project's key, in one query (missing ones are absent)."""
    statement = (
        select(Task, Project.key)
        .join(Project, Project.id == Task.project_id)
        .where(Task.id.in_(task_ids))
    )
    return {row[0].id: (row[0], row[1]) for row in await session.execute(statement)}
