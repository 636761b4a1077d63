"""data exports

Revision ID: 2026_12_14_exports
Revises: 2026_12_13_identities
Create Date: 2026-12-14

`data_export`: each request for a ZIP of a user's data, its status, the stored file and
when it expires. The status call reads a user's newest export and the rate limit their
recent ones through (user_id, created_at, id); a partial unique index on user_id keeps at
most one export of a user queued or running; the hourly cleanup finds expired files
through (status, expires_at) and stuck exports through (status, created_at).

An export reads everything of one user in keyset pages, each on an index of its own: the
tasks they created (task.reporter_id, id) and those assigned to them (task.assignee_id, id),
their comments (comment.author_id, created_at, id), their activity (activity.actor_id,
created_at, id) and the files they uploaded (attachment.uploader_id, status, task_id,
created_at, id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_14_exports"
down_revision: str | None = "2026_12_13_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "status IN ('queued', 'running')"
# (index, table, columns) of the export's reads on other domains' tables.
_READ_INDEXES = (
    ("ix_task_reporter_id_id", "task", ["reporter_id", "id"]),
    ("ix_task_assignee_id_id", "task", ["assignee_id", "id"]),
    ("ix_comment_author_id_created_at", "comment", ["author_id", "created_at", "id"]),
    ("ix_activity_actor_id_created_at", "activity", ["actor_id", "created_at", "id"]),
    (
        "ix_attachment_uploader_id_status_task_id",
        "attachment",
        ["uploader_id", "status", "task_id", "created_at", "id"],
    ),
)


def upgrade() -> None:
    """Create the data export table and the indexes an export reads through."""
    op.create_table(
        "data_export",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'expired')",
            name=op.f("ck_data_export_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_data_export_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_export")),
    )
    op.create_index(
        "ix_data_export_user_id_created_at", "data_export", ["user_id", "created_at", "id"]
    )
    op.create_index(
        "uq_data_export_active_user_id",
        "data_export",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(_ACTIVE),
        sqlite_where=sa.text(_ACTIVE),
    )
    op.create_index("ix_data_export_status_expires_at", "data_export", ["status", "expires_at"])
    op.create_index("ix_data_export_status_created_at", "data_export", ["status", "created_at"])
    for name, table, columns in _READ_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Drop the indexes of the export's reads and the data export table."""
    for name, table, _ in _READ_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("data_export")
