"""job trace context

Revision ID: 2026_12_17_job_trace
Revises: 2026_12_16_imports
Create Date: 2026-12-17

`job.traceparent`: the W3C trace context of the request that enqueued the job (set only
when tracing is on), so that the job's span continues that request's trace.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_17_job_trace"
down_revision: str | None = "2026_12_16_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable trace context column to jobs."""
    op.add_column("job", sa.Column("traceparent", sa.String(55), nullable=True))


def downgrade() -> None:
    """Drop the trace context column of jobs."""
    # SQLite 3.35+ drops a column in place, without a table rebuild.
    op.drop_column("job", "traceparent")
