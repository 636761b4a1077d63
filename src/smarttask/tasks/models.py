"""Task tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base

# Every list sort, scoped by project and by workspace, gets an index ending in id (keyset).
_SORTS = ("created_at", "updated_at", "due_at", "priority")
# What the custom report reads of a task (analytics/custom.py): on PostgreSQL the indexes of
# its two ranges, by creation and by completion, include them (index-only scans).
REPORT_COLUMNS = [
    "id",
    "project_id",
    "assignee_id",
    "status",
    "priority",
    "due_at",
    "estimate_minutes",
    "risk_level",
]
# A task's rank sorts bytewise (tasks/ranks.py): PostgreSQL compares it in the C collation.
RANK_TYPE = String(255).with_variant(String(255, collation="C"), "postgresql")
# The `risk` filter with the default sort and the due-date sort ("high risk, soonest first").
RISK_SORTS = ("created_at", "due_at")


class Task(Base):
    """A task. PostgreSQL adds a generated `search_vector`; SQLite keeps `task_fts` in step."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        *(Index(f"ix_task_project_id_{s}", "project_id", s, "id") for s in _SORTS),
        *(
            Index(
                f"ix_task_workspace_id_{s}",
                "workspace_id",
                s,
                "id",
                postgresql_include=REPORT_COLUMNS[1:] if s == "created_at" else [],
            )
            for s in _SORTS
        ),
        Index(
            "ix_task_workspace_id_completed_at",
            "workspace_id",
            "completed_at",
            postgresql_include=[*REPORT_COLUMNS, "created_at"],
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
        # The dashboard's overdue count: open tasks by due date.
        Index("ix_task_workspace_id_status_due_at", "workspace_id", "status", "due_at"),
        Index("ix_task_project_id_status_due_at", "project_id", "status", "due_at"),
        Index("ix_task_project_id_status_created_at", "project_id", "status", "created_at", "id"),
        Index(
            "ix_task_workspace_id_status_created_at", "workspace_id", "status", "created_at", "id"
        ),
        Index("ix_task_assignee_id", "assignee_id", "status"),
        Index("ix_task_parent_id", "parent_id"),
        # A board column in rank order, and the `sort=rank` lists (tasks/ordering.py).
        Index("ix_task_project_id_state_id_rank", "project_id", "state_id", "rank", "id"),
        Index("ix_task_project_id_rank", "project_id", "rank", "id"),
        Index("ix_task_workspace_id_rank", "workspace_id", "rank", "id"),
        Index("ix_task_state_id", "state_id"),
        *(
            Index(f"ix_task_project_id_risk_{s}", "project_id", "risk_level", s, "id")
            for s in RISK_SORTS
        ),
        *(
            Index(f"ix_task_workspace_id_risk_{s}", "workspace_id", "risk_level", s, "id")
            for s in RISK_SORTS
        ),
        # A completed occurrence has at most one next occurrence (recurrence/, tasks/recurring.py).
        Index("uq_task_recurrence_of", "recurrence_of", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(SmallInteger)
    assignee_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reporter_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    due_at: Mapped[datetime | None]
    estimate_minutes: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # Layer 1 of the AI (risk/, tasks/scoring/): derived data, rewritten without bumping `version`.
    reschedule_count: Mapped[int] = mapped_column(default=0)
    risk_score: Mapped[float | None] = mapped_column(Float)
    risk_level: Mapped[str | None] = mapped_column(String(8))
    risk_factors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    risk_scored_at: Mapped[datetime | None]
    # Planning (workflow/, tasks/ordering.py): `status` is always the state's category.
    state_id: Mapped[str] = mapped_column(ForeignKey("workflow_state.id"))
    rank: Mapped[str] = mapped_column(RANK_TYPE)
    # Recurring tasks: an RRULE, counted from "due" or "completion", the series' first start,
    # and the occurrence whose completion created this one.
    recurrence_rule: Mapped[str | None] = mapped_column(String(500))
    recurrence_from: Mapped[str | None] = mapped_column(String(16))
    recurrence_start: Mapped[datetime | None]
    recurrence_of: Mapped[str | None] = mapped_column(String(36))
    # Time tracking (timetracking/): an atomic increment that does not bump `version`.
    time_spent_minutes: Mapped[int] = mapped_column(default=0, server_default="0")

    __mapper_args__ = {"version_id_col": version}


class Label(Base):
    """A workspace's label, created on first use; names are unique case-insensitively."""

    __tablename__ = "label"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime]


class TaskLabel(Base):
    """A label on a task."""

    __tablename__ = "task_label"
    __table_args__ = (Index("ix_task_label_label_id", "label_id", "task_id"),)

    task_id: Mapped[str] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[str] = mapped_column(
        ForeignKey("label.id", ondelete="CASCADE"), primary_key=True
    )


class TaskDependency(Base):
    """`task_id` cannot finish before `depends_on_id`."""

    __tablename__ = "task_dependency"
    __table_args__ = (Index("ix_task_dependency_depends_on_id", "depends_on_id", "task_id"),)

    task_id: Mapped[str] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[str] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime]
