"""account_mail

Revision ID: 2026_12_07_account_mail
Revises: 2026_12_06_events
Create Date: 2026-12-07

`account_token`: single-use tokens mailed to users (password reset, email verification),
stored as SHA-256 only. `invitation`: invitations by email to join a workspace, pending
until accepted (one pending per workspace and email), their link's token hashed likewise.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_07_account_mail"
down_revision: str | None = "2026_12_06_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("accepted_at IS NULL")


def upgrade() -> None:
    """Create the account token and invitation tables."""
    op.create_table(
        "account_token",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'verify_email')", name=op.f("ck_account_token_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_account_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index("ix_account_token_user_id_purpose", "account_token", ["user_id", "purpose"])
    op.create_index("ix_account_token_expires_at", "account_token", ["expires_at"])
    op.create_table(
        "invitation",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by", sa.String(36), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(36), nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'member', 'viewer')", name=op.f("ck_invitation_role")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_invitation_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["user_account.id"],
            name=op.f("fk_invitation_invited_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["user_account.id"],
            name=op.f("fk_invitation_accepted_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    op.create_index(
        "ix_invitation_workspace_id_created_at", "invitation", ["workspace_id", "created_at", "id"]
    )
    op.create_index("ix_invitation_expires_at", "invitation", ["expires_at"])
    op.create_index(
        "uq_invitation_pending_email",
        "invitation",
        ["workspace_id", "email"],
        unique=True,
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    """Drop the invitation and account token tables."""
    op.drop_index("uq_invitation_pending_email", table_name="invitation")
    op.drop_index("ix_invitation_expires_at", table_name="invitation")
    op.drop_index("ix_invitation_workspace_id_created_at", table_name="invitation")
    op.drop_table("invitation")
    op.drop_index("ix_account_token_expires_at", table_name="account_token")
    op.drop_index("ix_account_token_user_id_purpose", table_name="account_token")
    op.drop_table("account_token")
