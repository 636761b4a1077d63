"""SQL of recurring tasks: a workspace's time zone and a completed occurrence's successor."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.tasks.models import Task
from smarttask.workspaces.models import Workspace


async def zone_of(session: AsyncSession, workspace_id: str) -> str:
    """The workspace's IANA time zone."""
    zone = await session.scalar(select(Workspace.timezone).where(Workspace.id == workspace_id))
    return zone or "UTC"


async def has_successor(session: AsyncSession, task_id: str) -> bool:
    """Whether completing this occurrence already created the next one (its unique index)."""
    found = await session.scalar(select(Task.id).where(Task.recurrence_of == task_id).limit(1))
    return found is not None
