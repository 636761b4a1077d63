"""single sign-on identities

Revision ID: 2026_12_13_identities
Revises: 2026_12_12_security_log
Create Date: 2026-12-13

`user_identity`: a person at a single sign-on provider (provider + subject, unique together)
linked to one user, one per provider and user (that unique index also lists a user's
identities). `sso_attempt`: one trip to a provider, looked up by the SHA-256 of its `state`
(unique), bound to the browser by the hash of its cookie, used once; purged by `expires_at`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_13_identities"
down_revision: str | None = "2026_12_12_security_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the identity and sign-in attempt tables."""
    op.create_table(
        "user_identity",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_identity_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identity")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_user_identity_provider_subject")),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_user_identity_user_id_provider")),
    )
    op.create_table(
        "sso_attempt",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("next_path", sa.String(2000), nullable=False),
        sa.Column("follow_up", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "intent IN ('sign_in', 'link', 'confirm')", name=op.f("ck_sso_attempt_intent")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sso_attempt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_attempt")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_sso_attempt_state_hash")),
    )
    op.create_index("ix_sso_attempt_expires_at", "sso_attempt", ["expires_at"])
    op.create_index("ix_sso_attempt_user_id", "sso_attempt", ["user_id"])


def downgrade() -> None:
    """Drop the identity and sign-in attempt tables."""
    op.drop_index("ix_sso_attempt_user_id", table_name="sso_attempt")
    op.drop_index("ix_sso_attempt_expires_at", table_name="sso_attempt")
    op.drop_table("sso_attempt")
    op.drop_table("user_identity")
