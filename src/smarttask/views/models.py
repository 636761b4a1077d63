"""The saved view table, and the indexes "my tasks" reads the task table through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument
from smarttask.tasks.models import Task

LAYOUTS = ("list", "board", "calendar")


class SavedView(Base):
    """A named task list: its query parameters (`filters`), sort and layout.

    A personal view is its owner's alone; a shared one is every workspace member's.
    """

    __tablename__ = "saved_view"
    __table_args__ = (
        CheckConstraint("layout IN ('list', 'board', 'calendar')", name="layout"),
        Index("ix_saved_view_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_saved_view_owner_id", "owner_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # The list's query parameters: name -> a string or a list of strings.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    sort: Mapped[str | None] = mapped_column(String(40))
    layout: Mapped[str] = mapped_column(String(16))
    shared: Mapped[bool]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}


# My tasks (tasks/mine.py) in each sort of the task list: (assignee_id, sort value, id).
MY_TASK_SORTS = ("created_at", "updated_at", "due_at", "priority")
for _sort in MY_TASK_SORTS:
    Index(
        f"ix_task_assignee_id_{_sort}",
        Task.__table__.c.assignee_id,
        Task.__table__.c[_sort],
        Task.__table__.c.id,
    )
