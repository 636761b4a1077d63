"""Custom field tables: a workspace's field definitions and the typed values of tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument

TYPES = ("text", "number", "date", "select", "multi_select", "user", "checkbox", "url")
# The value column each type sorts and filters by (multi_select filters only).
SORT_COLUMN = {
    "text": "value_key",
    "url": "value_key",
    "user": "value_key",
    "select": "value_number",  # the option's position, kept in step when options move
    "number": "value_number",
    "date": "value_date",
    "checkbox": "value_bool",
}
FILTER_COLUMN = {**SORT_COLUMN, "select": "value_key", "multi_select": "value_key"}
KEY_LENGTH = 255


class CustomField(Base):
    """A field of a workspace's tasks; `options` ({id, name, color}) for select types."""

    __tablename__ = "custom_field"
    __table_args__ = (
        Index("ix_custom_field_workspace_id_created_at", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument())
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}


class TaskFieldValue(Base):
    """One value of a task's field (a multi_select has one row per option, `item`).

    `value_key` is what text-like values filter and sort by (their first 255 characters,
    an option or user id); `value_text` keeps a text or URL whole.
    """

    __tablename__ = "task_field_value"
    __table_args__ = (
        Index("ix_task_field_value_key", "field_id", "value_key", "task_id"),
        Index("ix_task_field_value_number", "field_id", "value_number", "task_id"),
        Index("ix_task_field_value_date", "field_id", "value_date", "task_id"),
        Index("ix_task_field_value_bool", "field_id", "value_bool", "task_id"),
    )

    task_id: Mapped[str] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[str] = mapped_column(
        ForeignKey("custom_field.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(36), primary_key=True, default="")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    value_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_number: Mapped[float | None] = mapped_column(Float)
    value_date: Mapped[date | None] = mapped_column(Date)
    value_bool: Mapped[bool | None]
