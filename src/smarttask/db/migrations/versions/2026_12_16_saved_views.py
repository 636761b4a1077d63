"""saved views

Revision ID: 2026_12_16_saved_views
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

`saved_view`: a named task list of a workspace (its query parameters as JSON, its sort and
layout), personal or shared. A workspace's list reads (workspace_id, created_at, id); a
user's deletion cascades through owner_id.

My tasks (GET /api/v1/users/me/tasks) takes the task list's sorts: one index per sort,
(assignee_id, sort value, id), so that each sorted page starts from the caller's tasks in
order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_16_saved_views"
down_revision: str | None = "2026_12_16_trash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MY_TASK_SORTS = ("created_at", "updated_at", "due_at", "priority")


def upgrade() -> None:
    """Create the saved view table and my tasks' indexes."""
    op.create_table(
        "saved_view",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("filters", JSONDocument(), nullable=False),
        sa.Column("sort", sa.String(40), nullable=True),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "layout IN ('list', 'board', 'calendar')", name=op.f("ck_saved_view_layout")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_saved_view_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_saved_view_owner_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
    )
    op.create_index(
        "ix_saved_view_workspace_id_created_at", "saved_view", ["workspace_id", "created_at", "id"]
    )
    op.create_index("ix_saved_view_owner_id", "saved_view", ["owner_id"])
    for sort in _MY_TASK_SORTS:
        op.create_index(f"ix_task_assignee_id_{sort}", "task", ["assignee_id", sort, "id"])


def downgrade() -> None:
    """Drop my tasks' indexes and the saved view table."""
    for sort in _MY_TASK_SORTS:
        op.drop_index(f"ix_task_assignee_id_{sort}", table_name="task")
    op.drop_table("saved_view")
