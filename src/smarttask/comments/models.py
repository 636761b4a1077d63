"""The comment table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Comment(Base):
    """A comment on a task; deleted with its task."""

    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_task_id_created_at", "task_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(String(36))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}
