"""AI analyses and token usage

Revision ID: 2026_11_22_analysis
Revises: 2026_11_22_risk
Create Date: 2026-11-22
"""

from collections.abc import Sequence

revision: str = "2026_11_22_analysis"
down_revision: str | None = "2026_11_22_risk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the analysis tables."""


def downgrade() -> None:
    """Drop the analysis tables."""
