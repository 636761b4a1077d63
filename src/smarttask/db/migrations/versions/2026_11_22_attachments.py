"""attachments

Revision ID: 2026_11_22_attachments
Revises: 2026_11_22_analysis
Create Date: 2026-11-22
"""

from collections.abc import Sequence

revision: str = "2026_11_22_attachments"
down_revision: str | None = "2026_11_22_analysis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the attachments tables."""


def downgrade() -> None:
    """Drop the attachments tables."""
