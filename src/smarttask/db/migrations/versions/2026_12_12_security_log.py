"""security log

Revision ID: 2026_12_12_security_log
Revises: 2026_12_11_private_projects
Create Date: 2026-12-12

`security_event`: the instance's security log (sign-ins, password, two-factor and API token
changes, accounts disabled or erased, memberships), read by instance administrators newest
first. No foreign keys: the log outlives the accounts it names. Indexes: (created_at, id)
for the keyset order and the retention's range, and one per filter (actor_id, target_id,
event) followed by that order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_12_security_log"
down_revision: str | None = "2026_12_11_private_projects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_security_event_created_at_id": ["created_at", "id"],
    "ix_security_event_actor_id": ["actor_id", "created_at", "id"],
    "ix_security_event_target_id": ["target_id", "created_at", "id"],
    "ix_security_event_event": ["event", "created_at", "id"],
}


def upgrade() -> None:
    """Create the security log and its indexes."""
    op.create_table(
        "security_event",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("target_id", sa.String(36), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("details", JSONDocument(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    for name, columns in _INDEXES.items():
        op.create_index(name, "security_event", columns)


def downgrade() -> None:
    """Drop the security log."""
    for name in _INDEXES:
        op.drop_index(name, table_name="security_event")
    op.drop_table("security_event")
