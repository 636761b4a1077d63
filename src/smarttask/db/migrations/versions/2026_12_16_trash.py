"""the trash

Revision ID: 2026_12_16_trash
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

`trashed_task`: a deleted task tree kept restorable until `purge_at`, its rows as a JSON
snapshot. The trash page lists a workspace's newest first through (workspace_id,
deleted_at, id); the daily purge finds expired ones through (purge_at).
`trashed_task_member`: the ids of the tasks a trash row holds, so the attachment sweep
keeps their stored objects until the purge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_16_trash"
down_revision: str | None = "2026_12_16_time_recurrence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the trash tables."""
    op.create_table(
        "trashed_task",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("deleted_by", sa.String(36), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("purge_at", UTCDateTime(), nullable=False),
        sa.Column("snapshot", JSONDocument(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_trashed_task_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_trashed_task_deleted_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trashed_task")),
    )
    op.create_index(
        "ix_trashed_task_workspace_id_deleted_at",
        "trashed_task",
        ["workspace_id", "deleted_at", "id"],
    )
    op.create_index("ix_trashed_task_purge_at", "trashed_task", ["purge_at"])
    op.create_table(
        "trashed_task_member",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("trash_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["trash_id"],
            ["trashed_task.id"],
            ondelete="CASCADE",
            name=op.f("fk_trashed_task_member_trash_id_trashed_task"),
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_trashed_task_member")),
    )
    op.create_index("ix_trashed_task_member_trash_id", "trashed_task_member", ["trash_id"])


def downgrade() -> None:
    """Drop the trash tables (and what they held)."""
    op.drop_table("trashed_task_member")
    op.drop_table("trashed_task")
