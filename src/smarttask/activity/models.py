"""The activity table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Activity(Base):
    """One change: who did what to which entity, with old and new values."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_activity_entity", "entity_type", "entity_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign keys: the trail outlives what it describes (a deleted workspace, an erased user).
    workspace_id: Mapped[str] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    # The project the entity belongs to (a project, or a task's, comment's, file's): the
    # workspace trail leaves out the entries of private projects hidden from its reader.
    project_id: Mapped[str | None] = mapped_column(String(36))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
