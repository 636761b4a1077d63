"""The saved-report and report-delivery tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument

PENDING, SENT, FAILED = "pending", "sent", "failed"
STORED = "storage_key IS NOT NULL"


class SavedReport(Base):
    """A custom-report definition with a name, who may see it, and maybe a schedule.

    The schedule columns are all null for an unscheduled report. `next_run_at` (UTC) is what
    the scheduler looks for; it is null when there is no schedule or the schedule stopped
    (`stopped_reason` then says why).
    """

    __tablename__ = "saved_report"
    __table_args__ = (
        Index("ix_saved_report_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_saved_report_next_run_at", "next_run_at"),
        Index("ix_saved_report_owner_id", "owner_id"),
        CheckConstraint("visibility IN ('private', 'workspace')", name="visibility"),
        CheckConstraint(
            "frequency IS NULL OR frequency IN ('daily', 'weekly', 'monthly')", name="frequency"
        ),
        CheckConstraint(
            "file_format IS NULL OR file_format IN ('csv', 'xlsx', 'pdf')", name="format"
        ),
        CheckConstraint("delivery IS NULL OR delivery IN ('mail', 'storage')", name="delivery"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    visibility: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str | None] = mapped_column(String(16))
    run_time: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str | None] = mapped_column(String(64))
    file_format: Mapped[str | None] = mapped_column(String(8))
    recipients: Mapped[list[str] | None] = mapped_column(JSONDocument())
    delivery: Mapped[str | None] = mapped_column(String(16))
    next_run_at: Mapped[datetime | None]
    stopped_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Every UPDATE checks and bumps the version (the ETag), the scheduler's included.
    __mapper_args__ = {"version_id_col": version}


class ReportDelivery(Base):
    """One scheduled run of a report: at most one per (report, scheduled instant)."""

    __tablename__ = "report_delivery"
    __table_args__ = (
        # The deliveries list, newest first, walked by keyset (scheduled_for, id).
        Index(
            "ix_report_delivery_report_id_scheduled_for",
            "report_id",
            text("scheduled_for DESC"),
            text("id DESC"),
        ),
        # The purge of stored files whose links have expired.
        Index(
            "ix_report_delivery_stored_created_at",
            "created_at",
            postgresql_where=text(STORED),
            sqlite_where=text(STORED),
        ),
        UniqueConstraint("report_id", "scheduled_for"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("saved_report.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(String(36))
    scheduled_for: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # A delivery to storage: its file's key, from scheduling until the file is purged.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
