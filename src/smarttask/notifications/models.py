"""Notification tables: the inbox, watchers, preferences, sent reminders and digests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.tasks.models import Task

_OPEN_ASSIGNED = "status IN ('todo', 'in_progress') AND assignee_id IS NOT NULL"

# The reminder job's one filter on tasks: open, assigned tasks by due date.
Index(
    "ix_task_open_assigned_due_at",
    Task.__table__.c.due_at,
    postgresql_where=text(f"{_OPEN_ASSIGNED} AND due_at IS NOT NULL"),
    sqlite_where=text(f"{_OPEN_ASSIGNED} AND due_at IS NOT NULL"),
)


class Notification(Base):
    """One thing one person is told about, written in the transaction of the change.

    `in_app` rows are the inbox; `digest_pending` rows wait for the person's daily mail.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_created_at", "user_id", "created_at", "id"),
        Index(
            "ix_notification_unread",
            "user_id",
            "created_at",
            "id",
            postgresql_where=text("read_at IS NULL AND in_app"),
            sqlite_where=text("read_at IS NULL AND in_app"),
        ),
        Index(
            "ix_notification_digest_pending",
            "user_id",
            "created_at",
            postgresql_where=text("digest_pending"),
            sqlite_where=text("digest_pending"),
        ),
        Index("ix_notification_task_id", "task_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(600))
    in_app: Mapped[bool]
    digest_pending: Mapped[bool]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]


class TaskWatch(Base):
    """A person who follows a task's comments and status changes."""

    __tablename__ = "task_watch"
    __table_args__ = (Index("ix_task_watch_user_id", "user_id"),)

    task_id: Mapped[str] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]


class NotificationPreference(Base):
    """A person's choice for one type (types without a row use the defaults)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    in_app: Mapped[bool]
    email: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime]


class Reminder(Base):
    """A due-soon or overdue reminder sent for a task and one due date: at most one each."""

    __tablename__ = "notification_reminder"
    __table_args__ = (UniqueConstraint("task_id", "kind", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Digest(Base):
    """One daily digest of one person, for one local day: at most one per day."""

    __tablename__ = "notification_digest"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    items: Mapped[int]
    created_at: Mapped[datetime]
