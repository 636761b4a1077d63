"""webhook delivery retention

Revision ID: 2026_12_15_delivery_retention
Revises: 2026_12_14_exports
Create Date: 2026-12-15

The daily retention job deletes ended deliveries (succeeded, dead, canceled) older than
SMARTTASK_WEBHOOK_DELIVERY_RETENTION_DAYS, oldest first, whatever their webhook: it walks
`webhook_delivery (created_at)`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2026_12_15_delivery_retention"
down_revision: str | None = "2026_12_14_exports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index the delivery log by creation time."""
    op.create_index("ix_webhook_delivery_created_at", "webhook_delivery", ["created_at"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_webhook_delivery_created_at", table_name="webhook_delivery")
