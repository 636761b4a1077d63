"""attachments

Revision ID: 2026_11_22_attachments
Revises: 2026_11_22_analysis
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_attachments"
down_revision: str | None = "2026_11_22_analysis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the attachments tables."""
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(36), nullable=False),
        # No foreign keys to task or workspace: the cleanup job finds rows whose task is
        # gone and deletes their stored objects before the rows.
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("uploader_id", sa.String(36), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("upload_expires_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_attachment_uploader_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index(
        "ix_attachment_task_id_created_at", "attachment", ["task_id", "created_at", "id"]
    )
    op.create_index("ix_attachment_workspace_id_status", "attachment", ["workspace_id", "status"])
    op.create_index("ix_attachment_status_created_at", "attachment", ["status", "created_at"])


def downgrade() -> None:
    """Drop the attachments tables."""
    op.drop_index("ix_attachment_status_created_at", table_name="attachment")
    op.drop_index("ix_attachment_workspace_id_status", table_name="attachment")
    op.drop_index("ix_attachment_task_id_created_at", table_name="attachment")
    op.drop_table("attachment")
