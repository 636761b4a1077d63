"""notifications

Revision ID: 2026_12_08_notifications
Revises: 2026_12_07_account_mail
Create Date: 2026-12-08

(Tables to come.)
"""

from collections.abc import Sequence

revision: str = "2026_12_08_notifications"
down_revision: str | None = "2026_12_07_account_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
