"""webhooks

Revision ID: 2026_12_09_webhooks
Revises: 2026_12_08_notifications
Create Date: 2026-12-09

(Tables to come.)
"""

from collections.abc import Sequence

revision: str = "2026_12_09_webhooks"
down_revision: str | None = "2026_12_08_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
