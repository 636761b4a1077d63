"""webhooks

Revision ID: 2026_12_09_webhooks
Revises: 2026_12_08_notifications
Create Date: 2026-12-09

`webhook`: a workspace's endpoint, the event types it subscribed to, whether it is enabled
(and why not), its failure state, and its signing secret encrypted (with the previous one
during a rotation). `webhook_delivery`: one row per (event, webhook) with the exact body
sent, the attempts, the last answer and the next attempt; listed newest first by keyset.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_09_webhooks"
down_revision: str | None = "2026_12_08_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the webhook and webhook-delivery tables."""
    op.create_table(
        "webhook",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", JSONDocument(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("failing_since", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_webhook_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_webhook_created_by_user_account"),
        ),
    )
    op.create_index(
        "ix_webhook_workspace_id_created_at", "webhook", ["workspace_id", "created_at", "id"]
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("token", sa.String(36), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("succeeded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhook.id"],
            ondelete="CASCADE",
            name=op.f("fk_webhook_delivery_webhook_id_webhook"),
        ),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name=op.f("uq_webhook_delivery_webhook_id_event_id")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'failed', 'succeeded', 'dead', 'canceled')",
            name=op.f("ck_webhook_delivery_status"),
        ),
    )
    op.create_index(
        "ix_webhook_delivery_webhook_id_created_at",
        "webhook_delivery",
        ["webhook_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    """Drop the webhook tables."""
    op.drop_index("ix_webhook_delivery_webhook_id_created_at", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_workspace_id_created_at", table_name="webhook")
    op.drop_table("webhook")
