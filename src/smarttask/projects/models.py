"""The project table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Project(Base):
    """A project; `task_counter` hands out task numbers with one atomic UPDATE ... RETURNING."""

    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_project_workspace_id_created_at", "workspace_id", "created_at", "id"),
        CheckConstraint("visibility IN ('workspace', 'private')", name="visibility"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # `workspace`: every member sees it; `private`: its project members and the workspace's
    # admins and owners only (workspaces/access.py).
    visibility: Mapped[str] = mapped_column(
        String(16), default="workspace", server_default="workspace"
    )
    task_counter: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}
