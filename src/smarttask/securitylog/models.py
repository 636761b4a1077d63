"""The security log's table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument


class SecurityEvent(Base):
    """One security event of the instance: who did what to which account, from where."""

    __tablename__ = "security_event"
    __table_args__ = (
        # Newest first, and the retention's range: (created_at, id) in keyset order.
        Index("ix_security_event_created_at_id", "created_at", "id"),
        # Each filter, then the keyset order within it.
        Index("ix_security_event_actor_id", "actor_id", "created_at", "id"),
        Index("ix_security_event_target_id", "target_id", "created_at", "id"),
        Index("ix_security_event_event", "event", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    # No foreign keys: the log outlives what it describes (an erased user, a deleted token).
    actor_id: Mapped[str | None] = mapped_column(String(36))
    target_id: Mapped[str | None] = mapped_column(String(36))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime]
