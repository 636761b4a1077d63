"""background jobs (the outbox)

Revision ID: 2026_11_22_jobs
Revises: 2026_11_22_tasks
Create Date: 2026-11-22
"""

from collections.abc import Sequence

revision: str = "2026_11_22_jobs"
down_revision: str | None = "2026_11_22_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the jobs tables."""


def downgrade() -> None:
    """Drop the jobs tables."""
