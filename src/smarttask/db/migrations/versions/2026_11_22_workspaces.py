"""workspaces: workspaces and memberships

Revision ID: 2026_11_22_workspaces
Revises: 2026_11_22_accounts
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_workspaces"
down_revision: str | None = "2026_11_22_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the workspace tables."""
    op.create_table(
        "workspace",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
    )
    op.create_table(
        "membership",
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_membership_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_membership_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_membership")),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'member', 'viewer')", name=op.f("ck_membership_role")
        ),
    )
    op.create_index("ix_membership_user_id", "membership", ["user_id", "workspace_id"])
    op.create_index(
        "ix_membership_workspace_id_created_at",
        "membership",
        ["workspace_id", "created_at", "user_id"],
    )
    op.create_index("ix_workspace_created_at_id", "workspace", ["created_at", "id"])


def downgrade() -> None:
    """Drop the workspace tables."""
    op.drop_table("membership")
    op.drop_table("workspace")
