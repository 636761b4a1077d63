"""History tables: the facts of every tracked task change and the aggregates kept from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base

# The aggregates' assignee for unassigned tasks (a key column cannot be NULL).
UNASSIGNED = ""
# What the range reads need beside the key (PostgreSQL INCLUDE: index-only scans; the
# assignee indexes leave out the first column, their key already).
# `project_id` too: a member who cannot see a private project reads the workspace's days
# without it (workspaces/access.py), still from the index alone.
DAY_INCLUDE = [
    "assignee_key",
    "created",
    "completed",
    "completed_due",
    "completed_on_time",
    "project_id",
]
PROJECT_DAY_INCLUDE = ["status", "tasks", "created", "completed"]
COMPLETION_INCLUDE = ["assignee_key", "cycle_seconds", "task_id"]


class TaskFact(Base):
    """A task's tracked state right after one change (`kind`: created, changed or deleted).

    Facts outlive their task: no foreign key to `task` or `project`. `version` is the task's
    version after the change, so a task's facts replay in that order.
    """

    __tablename__ = "task_fact"
    __table_args__ = (Index("ix_task_fact_workspace_id_at", "workspace_id", "at"),)

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(8))
    project_id: Mapped[str] = mapped_column(String(36))
    assignee_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None]
    estimate_minutes: Mapped[int | None]
    created_at: Mapped[datetime]


class AnalyticsDay(Base):
    """What happened on one day (in the workspace's zone) to one project/assignee/status.

    `tasks` is the day's net change of the number of tasks in that bucket (a flow: its sum
    up to a day is the bucket's size at the end of that day); `created` counts creations,
    `completed` the completions that still stand (a reopened task's is withdrawn), of which
    `completed_due` had a due date and `completed_on_time` met it; `cycle_seconds` sums
    their cycle times.
    """

    __tablename__ = "analytics_day"
    # Each read of a range is an index-only scan on PostgreSQL (the INCLUDE columns).
    __table_args__ = (
        Index(
            "ix_analytics_day_workspace_id_day",
            "workspace_id",
            "day",
            postgresql_include=DAY_INCLUDE,
        ),
        Index(
            "ix_analytics_day_workspace_id_project_id_day",
            "workspace_id",
            "project_id",
            "day",
            postgresql_include=PROJECT_DAY_INCLUDE,
        ),
        Index(
            "ix_analytics_day_workspace_id_assignee_key_day",
            "workspace_id",
            "assignee_key",
            "day",
            postgresql_include=DAY_INCLUDE[1:],
        ),
    )

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    assignee_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    tasks: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    completed_due: Mapped[int] = mapped_column(default=0)
    completed_on_time: Mapped[int] = mapped_column(default=0)
    cycle_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class AnalyticsNow(Base):
    """How many tasks each project/assignee/status bucket holds now."""

    __tablename__ = "analytics_now"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    assignee_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    tasks: Mapped[int] = mapped_column(default=0)


class AnalyticsCompletion(Base):
    """A task's standing completion: where and when it was counted, for percentiles and undo."""

    __tablename__ = "analytics_completion"
    __table_args__ = (
        Index(
            "ix_analytics_completion_workspace_id_day",
            "workspace_id",
            "day",
            postgresql_include=COMPLETION_INCLUDE,
        ),
        Index(
            "ix_analytics_completion_workspace_id_project_id_day",
            "workspace_id",
            "project_id",
            "day",
            postgresql_include=COMPLETION_INCLUDE,
        ),
        Index(
            "ix_analytics_completion_workspace_id_assignee_key_day",
            "workspace_id",
            "assignee_key",
            "day",
            postgresql_include=COMPLETION_INCLUDE[1:],
        ),
    )

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(36))
    assignee_key: Mapped[str] = mapped_column(String(36))
    completed_at: Mapped[datetime]
    day: Mapped[date]
    cycle_seconds: Mapped[int] = mapped_column(BigInteger)
    due: Mapped[bool]
    on_time: Mapped[bool]
