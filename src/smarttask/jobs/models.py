"""The job table: the outbox every runner claims from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"
STATES = (QUEUED, RUNNING, DONE, DEAD)
UNFINISHED = f"state IN ('{QUEUED}', '{RUNNING}')"
LAST_ERROR_LENGTH = 500
# A W3C traceparent of version 00: "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>".
TRACEPARENT_LENGTH = 55


class Job(Base):
    """One unit of background work, written in the transaction of the data that caused it."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_state_run_at", "state", "run_at"),
        Index("ix_job_state_locked_until", "state", "locked_until"),
        Index("ix_job_state_updated_at", "state", "updated_at", "id"),
        Index(
            "uq_job_dedupe_key_unfinished",
            "dedupe_key",
            unique=True,
            postgresql_where=text(UNFINISHED),
            sqlite_where=text(UNFINISHED),
        ),
        Index("ix_job_dedupe_key", "dedupe_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    max_attempts: Mapped[int | None]
    run_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(LAST_ERROR_LENGTH))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # The enqueuing request's trace context (kit/tracing.py); None when tracing is off.
    traceparent: Mapped[str | None] = mapped_column(String(TRACEPARENT_LENGTH))
