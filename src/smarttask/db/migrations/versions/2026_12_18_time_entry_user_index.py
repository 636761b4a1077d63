"""time entries by person, in keyset order

Revision ID: 2026_12_18_time_entry_user_index
Revises: 2026_12_17_job_trace
Create Date: 2026-12-18

A person's time entries are read in (created_at, id) pages by the personal data export:
`ix_time_entry_user_id` becomes `(user_id, created_at, id)`, which serves the lookups by
person alone as well.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2026_12_18_time_entry_user_index"
down_revision: str | None = "2026_12_17_job_trace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace the index on user_id by one on (user_id, created_at, id)."""
    op.create_index(
        "ix_time_entry_user_id_created_at", "time_entry", ["user_id", "created_at", "id"]
    )
    op.drop_index("ix_time_entry_user_id", table_name="time_entry")


def downgrade() -> None:
    """Back to the index on user_id alone."""
    op.create_index("ix_time_entry_user_id", "time_entry", ["user_id"])
    op.drop_index("ix_time_entry_user_id_created_at", table_name="time_entry")
