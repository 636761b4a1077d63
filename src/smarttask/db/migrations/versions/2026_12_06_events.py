"""events

Revision ID: 2026_12_06_events
Revises: 2026_12_05_reports
Create Date: 2026-12-06

`event`: the event log, numbered per stream (`w:<workspace>` or `u:<user>`) in commit order;
`event_stream`: each stream's last number, whose row lock orders the stream's commits.
`user_account` gains `email_verified` (false for existing accounts) and `timezone` ("UTC").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_06_events"
down_revision: str | None = "2026_12_05_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the event log; add the verification flag and the time zone to accounts."""
    op.create_table(
        "event",
        sa.Column("stream", sa.String(48), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=True),
        sa.Column("project_id", sa.String(36), nullable=True),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("data", JSONDocument(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("stream", "seq", name=op.f("pk_event")),
        sa.UniqueConstraint("id", name=op.f("uq_event_id")),
    )
    op.create_index("ix_event_created_at", "event", ["created_at"])
    op.create_table(
        "event_stream",
        sa.Column("stream", sa.String(48), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_event_stream")),
    )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False))


def downgrade() -> None:
    """Drop the event log and the two account columns."""
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("timezone")
        batch.drop_column("email_verified")
    op.drop_table("event_stream")
    op.drop_index("ix_event_created_at", table_name="event")
    op.drop_table("event")
