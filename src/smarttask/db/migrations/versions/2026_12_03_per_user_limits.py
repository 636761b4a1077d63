"""per-user limits

Revision ID: 2026_12_03_per_user_limits
Revises: 2026_11_30_caller_notifications
Create Date: 2026-12-03

`workspace.created_by`: the user whose per-user limits (workspaces owned, storage) a
workspace counts against, its creator; existing workspaces are given their earliest owner.
`ai_user_usage`: the tokens each user's analyses spent per UTC day, across workspaces,
and an index of analyses by requester and status (those in flight hold budget back).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_03_per_user_limits"
down_revision: str | None = "2026_11_30_caller_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add workspace.created_by (filled in) and the per-user AI usage table."""
    # A plain ADD COLUMN on both databases: a SQLite batch copy would drop and re-create
    # `workspace`, whose cascades would empty every table that references it.
    op.execute(
        "ALTER TABLE workspace ADD COLUMN created_by VARCHAR(36) "
        "CONSTRAINT fk_workspace_created_by_user_account "
        "REFERENCES user_account (id) ON DELETE SET NULL"
    )
    op.execute(
        """
        UPDATE workspace SET created_by = (
            SELECT membership.user_id FROM membership
            WHERE membership.workspace_id = workspace.id AND membership.role = 'owner'
            ORDER BY membership.created_at, membership.user_id
            LIMIT 1
        )
        """
    )
    op.create_index("ix_workspace_created_by", "workspace", ["created_by"])
    op.create_table(
        "ai_user_usage",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_ai_user_usage_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_ai_user_usage")),
    )
    op.create_index("ix_analysis_requested_by_status", "analysis", ["requested_by", "status"])


def downgrade() -> None:
    """Drop the per-user AI usage table and workspace.created_by (PostgreSQL)."""
    op.drop_index("ix_analysis_requested_by_status", table_name="analysis")
    op.drop_table("ai_user_usage")
    op.drop_index("ix_workspace_created_by", table_name="workspace")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_workspace_created_by_user_account", "workspace", type_="foreignkey")
        op.drop_column("workspace", "created_by")
    # On SQLite the nullable column stays: dropping a referenced column means re-creating
    # `workspace`, whose cascades would empty every table that references it.
