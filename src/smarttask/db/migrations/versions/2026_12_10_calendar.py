"""calendar

Revision ID: 2026_12_10_calendar
Revises: 2026_12_09_webhooks
Create Date: 2026-12-10

`calendar_feed`: each user's one secret calendar feed, looked up by the SHA-256 hash of its
token (unique); one row per user (unique `user_id`). The feed's task query starts from the
existing index on task (assignee_id, status).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_10_calendar"
down_revision: str | None = "2026_12_09_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the calendar feed table."""
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_calendar_feed_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )


def downgrade() -> None:
    """Drop the calendar feed table."""
    op.drop_table("calendar_feed")
