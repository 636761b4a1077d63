"""The event log and the per-stream sequence counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument


class Event(Base):
    """One change, numbered in its stream in commit order (a workspace's or a user's)."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_created_at", "created_at"),)

    stream: Mapped[str] = mapped_column(String(48), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    # No foreign keys: the log outlives what it describes (a task.deleted event).
    workspace_id: Mapped[str | None] = mapped_column(String(36))
    project_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime]


class EventStream(Base):
    """The last sequence number of one stream; its row lock orders the stream's commits."""

    __tablename__ = "event_stream"

    stream: Mapped[str] = mapped_column(String(48), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
