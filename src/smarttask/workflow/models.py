"""The workflow state table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class WorkflowState(Base):
    """One column of a project's board; its `category` is the status of the tasks in it."""

    __tablename__ = "workflow_state"
    __table_args__ = (
        UniqueConstraint("project_id", "name_key"),
        Index("ix_workflow_state_project_id_position", "project_id", "position", "id"),
        CheckConstraint(
            "category IN ('todo', 'in_progress', 'done', 'cancelled')", name="category"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    # The name case-folded: names are unique per project whatever their case.
    name_key: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(16))
    color: Mapped[str] = mapped_column(String(7))
    position: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
