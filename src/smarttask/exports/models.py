"""The data export table, and the indexes the export's reads need on other domains' tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.activity.models import Activity
from smarttask.attachments.models import Attachment
from smarttask.comments.models import Comment
from smarttask.db.base import Base
from smarttask.tasks.models import Task

QUEUED, RUNNING, READY, FAILED, EXPIRED = "queued", "running", "ready", "failed", "expired"
ACTIVE = (QUEUED, RUNNING)
_ACTIVE_SQL = "status IN ('queued', 'running')"

# What an export reads of a user, each in keyset pages on an index of its own (the
# migration 2026_12_14_exports creates them): the tasks they created and those assigned to
# them (by id), their comments and their activity (by time), the files they uploaded (by
# task, so that names are made unique one task at a time).
Index("ix_task_reporter_id_id", Task.__table__.c.reporter_id, Task.__table__.c.id)
Index("ix_task_assignee_id_id", Task.__table__.c.assignee_id, Task.__table__.c.id)
Index(
    "ix_comment_author_id_created_at",
    Comment.__table__.c.author_id,
    Comment.__table__.c.created_at,
    Comment.__table__.c.id,
)
Index(
    "ix_activity_actor_id_created_at",
    Activity.__table__.c.actor_id,
    Activity.__table__.c.created_at,
    Activity.__table__.c.id,
)
Index(
    "ix_attachment_uploader_id_status_task_id",
    Attachment.__table__.c.uploader_id,
    Attachment.__table__.c.status,
    Attachment.__table__.c.task_id,
    Attachment.__table__.c.created_at,
    Attachment.__table__.c.id,
)


class DataExport(Base):
    """One request for a ZIP of everything a user's account holds, and the file it made.

    `queued` until its job starts, `running` while it builds, then `ready` (the file is at
    `storage_key` until `expires_at`) or `failed`; `expired` once the file is deleted. At
    most one export of a user is queued or running (a partial unique index).
    """

    __tablename__ = "data_export"
    __table_args__ = (
        Index("ix_data_export_user_id_created_at", "user_id", "created_at", "id"),
        Index(
            "uq_data_export_active_user_id",
            "user_id",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index("ix_data_export_status_expires_at", "status", "expires_at"),
        Index("ix_data_export_status_created_at", "status", "created_at"),
        CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'expired')", name="status"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # For operators (never shown to the user): why the export failed.
    error: Mapped[str | None] = mapped_column(String(500))
