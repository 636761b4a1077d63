"""calendar

Revision ID: 2026_12_10_calendar
Revises: 2026_12_09_webhooks
Create Date: 2026-12-10

(Tables to come.)
"""

from collections.abc import Sequence

revision: str = "2026_12_10_calendar"
down_revision: str | None = "2026_12_09_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
