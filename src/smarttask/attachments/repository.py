"""All SQL of attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.attachments.models import Attachment
from smarttask.tasks.models import Task
from smarttask.tasks.trash.models import TrashedTaskMember
from smarttask.workspaces.models import Workspace

PENDING, READY, DELETED = "pending", "ready", "deleted"
_LIVE = (PENDING, READY)


async def get_visible(session: AsyncSession, attachment_id: str) -> Attachment | None:
    """A pending or ready attachment whose task still exists."""
    statement = (
        select(Attachment)
        .join(Task, Task.id == Attachment.task_id)
        .where(Attachment.id == attachment_id, Attachment.status.in_(_LIVE))
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def live_status_of_key(session: AsyncSession, storage_key: str) -> str | None:
    """The status of the pending or ready attachment at a key whose task exists; else None."""
    attachment_id = storage_key.rsplit("/", 1)[-1]
    statement = (
        select(Attachment.status)
        .join(Task, Task.id == Attachment.task_id)
        .where(
            Attachment.id == attachment_id,
            Attachment.storage_key == storage_key,
            Attachment.status.in_(_LIVE),
        )
    )
    status = (await session.execute(statement)).scalar_one_or_none()
    return str(status) if status is not None else None


async def list_for_task(
    session: AsyncSession, task_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[Attachment]:
    """A task's pending and ready attachments, oldest first, after a keyset position."""
    statement = (
        select(Attachment)
        .where(Attachment.task_id == task_id, Attachment.status.in_(_LIVE))
        .order_by(Attachment.created_at, Attachment.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Attachment.created_at, Attachment.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())


async def lock_workspace(session: AsyncSession, workspace_id: str) -> None:
    """Serialise quota checks of one workspace (SQLite serialises writers by itself)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT id FROM workspace WHERE id = :id FOR UPDATE"), {"id": workspace_id}
        )


async def used_bytes(session: AsyncSession, workspace_id: str) -> int:
    """The declared size of the workspace's pending and ready attachments."""
    statement = select(func.coalesce(func.sum(Attachment.size), 0)).where(
        Attachment.workspace_id == workspace_id, Attachment.status.in_(_LIVE)
    )
    return int((await session.execute(statement)).scalar_one())


async def creator_of(session: AsyncSession, workspace_id: str) -> str | None:
    """The user whose per-user storage quota the workspace counts against (its creator)."""
    statement = select(Workspace.created_by).where(Workspace.id == workspace_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def used_bytes_of_creator(session: AsyncSession, user_id: str) -> int:
    """The declared size of the pending and ready attachments of every workspace they made."""
    statement = (
        select(func.coalesce(func.sum(Attachment.size), 0))
        .join(Workspace, Workspace.id == Attachment.workspace_id)
        .where(Workspace.created_by == user_id, Attachment.status.in_(_LIVE))
    )
    return int((await session.execute(statement)).scalar_one())


async def purgeable(
    session: AsyncSession,
    *,
    now: datetime,
    pending_before: datetime,
    after_id: str,
    limit: int,
) -> list[Attachment]:
    """Rows whose objects must go: tombstones, stale pending uploads, and orphans of purged tasks.

    Only rows whose upload URL has expired, so no upload can land after the object is deleted.
    """
    # A task in the trash keeps its files until the trash is purged.
    task_exists = or_(
        exists().where(Task.id == Attachment.task_id),
        exists().where(TrashedTaskMember.task_id == Attachment.task_id),
    )
    statement = (
        select(Attachment)
        .where(
            Attachment.upload_expires_at < now,
            Attachment.id > after_id,
            or_(
                Attachment.status == DELETED,
                (Attachment.status == PENDING) & (Attachment.created_at < pending_before),
                ~task_exists,
            ),
        )
        .order_by(Attachment.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def delete_rows(session: AsyncSession, ids: list[str]) -> None:
    """Delete attachment rows."""
    if ids:
        await session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
