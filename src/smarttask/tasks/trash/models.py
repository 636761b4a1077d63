"""Trash tables: one row per deleted task tree, and the ids of the tasks it holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument


class TrashedTask(Base):
    """A deleted task with its subtasks and every row that referenced them, as a snapshot.

    Its id is the deleted task's. `project_id` has no foreign key: a trashed task whose
    project is deleted stays listed, and its restore answers 409.
    """

    __tablename__ = "trashed_task"
    __table_args__ = (
        Index("ix_trashed_task_workspace_id_deleted_at", "workspace_id", "deleted_at", "id"),
        Index("ix_trashed_task_purge_at", "purge_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[int]
    key: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500))
    deleted_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime]
    purge_at: Mapped[datetime]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class TrashedTaskMember(Base):
    """A task held by a trash row (the deleted task and its subtasks)."""

    __tablename__ = "trashed_task_member"
    __table_args__ = (Index("ix_trashed_task_member_trash_id", "trash_id"),)

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trash_id: Mapped[str] = mapped_column(ForeignKey("trashed_task.id", ondelete="CASCADE"))
