"""The time entry table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base

# A running timer: started, not ended (a `{minutes, date}` entry has neither instant).
RUNNING = "ended_at IS NULL AND started_at IS NOT NULL"

# The type of the `date` fields (a field of that name hides the type in a class body).
Day = date


class TimeEntry(Base):
    """Time someone spent on a task: an interval, a running timer, or minutes on a day."""

    __tablename__ = "time_entry"
    __table_args__ = (
        Index("ix_time_entry_task_id_created_at", "task_id", "created_at", "id"),
        # One running timer per user, whatever the concurrency.
        Index(
            "uq_time_entry_running_user_id",
            "user_id",
            unique=True,
            postgresql_where=text(RUNNING),
            sqlite_where=text(RUNNING),
        ),
        Index("ix_time_entry_user_id_created_at", "user_id", "created_at", "id"),
        Index("ix_time_entry_project_id", "project_id"),
        Index("ix_time_entry_workspace_id", "workspace_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    minutes: Mapped[int | None]
    date: Mapped[Day]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


# The same rule as a statement's condition (running_for, exports leaving timers out).
RUNNING_ENTRY = and_(TimeEntry.ended_at.is_(None), TimeEntry.started_at.is_not(None))
