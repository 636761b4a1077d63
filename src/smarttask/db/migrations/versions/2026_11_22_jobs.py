"""background jobs (the outbox)

Revision ID: 2026_11_22_jobs
Revises: 2026_11_22_tasks
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_jobs"
down_revision: str | None = "2026_11_22_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNFINISHED = "state IN ('queued', 'running')"


def upgrade() -> None:
    """Create the jobs tables."""
    op.create_table(
        "job",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("run_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("locked_by", sa.String(100), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    # The claim: due queued jobs, and running jobs whose lease expired.
    op.create_index("ix_job_state_run_at", "job", ["state", "run_at"])
    op.create_index("ix_job_state_locked_until", "job", ["state", "locked_until"])
    # `smarttask jobs list --state ...` (newest first) and the purge of finished jobs.
    op.create_index("ix_job_state_updated_at", "job", ["state", "updated_at", "id"])
    # At most one unfinished job per dedupe key; the plain index serves "ever enqueued?".
    op.create_index(
        "uq_job_dedupe_key_unfinished",
        "job",
        ["dedupe_key"],
        unique=True,
        postgresql_where=sa.text(UNFINISHED),
        sqlite_where=sa.text(UNFINISHED),
    )
    op.create_index("ix_job_dedupe_key", "job", ["dedupe_key"])


def downgrade() -> None:
    """Drop the jobs tables."""
    op.drop_table("job")
