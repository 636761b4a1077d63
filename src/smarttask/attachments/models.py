"""The attachment table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Attachment(Base):
    """A file of a task, stored under `storage_key`.

    No foreign key to the task or the workspace: when they are deleted the row stays, so
    the cleanup job can still find and delete the stored object, then the row.
    `deleted` rows are tombstones, kept until their upload URL can no longer be used.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_task_id_created_at", "task_id", "created_at", "id"),
        Index("ix_attachment_workspace_id_status", "workspace_id", "status"),
        Index("ix_attachment_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    task_id: Mapped[str] = mapped_column(String(36))
    uploader_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(200))
    upload_expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
