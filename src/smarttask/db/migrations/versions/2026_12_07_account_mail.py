"""account_mail

Revision ID: 2026_12_07_account_mail
Revises: 2026_12_06_events
Create Date: 2026-12-07

(Tables to come.)
"""

from collections.abc import Sequence

revision: str = "2026_12_07_account_mail"
down_revision: str | None = "2026_12_06_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
