"""notifications

Revision ID: 2026_12_08_notifications
Revises: 2026_12_07_account_mail
Create Date: 2026-12-08

`notification`: the inbox and the daily digest's pending items; `task_watch`: who follows a
task; `notification_preference`: a person's choices per type; `notification_reminder`: the
due-soon and overdue reminders sent (one per task, kind and due date); `notification_digest`:
the digests sent (one per person and local day). `task` gains an index of open, assigned
tasks by due date (the reminder job's filter).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_08_notifications"
down_revision: str | None = "2026_12_07_account_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_DUE = "status IN ('todo', 'in_progress') AND assignee_id IS NOT NULL AND due_at IS NOT NULL"


def _user(name: str, ondelete: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, sa.String(36), sa.ForeignKey("user_account.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    """Create the notification tables and the reminder index on tasks."""
    op.create_table(
        "notification",
        sa.Column("id", sa.String(36), primary_key=True),
        _user("user_id", "CASCADE"),
        sa.Column(
            "workspace_id",
            sa.String(36),
            sa.ForeignKey("workspace.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "task_id", sa.String(36), sa.ForeignKey("task.id", ondelete="SET NULL"), nullable=True
        ),
        _user("actor_id", "SET NULL", nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("summary", sa.String(600), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("digest_pending", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("digested_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_notification_user_id_created_at", "notification", ["user_id", "created_at", "id"]
    )
    unread = sa.text("read_at IS NULL AND in_app")
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["user_id", "created_at", "id"],
        postgresql_where=unread,
        sqlite_where=unread,
    )
    pending = sa.text("digest_pending")
    op.create_index(
        "ix_notification_digest_pending",
        "notification",
        ["user_id", "created_at"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index("ix_notification_task_id", "notification", ["task_id"])
    op.create_table(
        "task_watch",
        sa.Column(
            "task_id",
            sa.String(36),
            sa.ForeignKey("task.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_task_watch_user_id", "task_watch", ["user_id"])
    op.create_table(
        "notification_preference",
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("type", sa.String(32), primary_key=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "notification_reminder",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "task_id", sa.String(36), sa.ForeignKey("task.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        _user("user_id", "SET NULL", nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("task_id", "kind", "due_at"),
    )
    op.create_table(
        "notification_digest",
        sa.Column("id", sa.String(36), primary_key=True),
        _user("user_id", "CASCADE"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "day"),
    )
    op.create_index(
        "ix_task_open_assigned_due_at",
        "task",
        ["due_at"],
        postgresql_where=sa.text(_OPEN_DUE),
        sqlite_where=sa.text(_OPEN_DUE),
    )


def downgrade() -> None:
    """Drop the notification tables and the reminder index."""
    op.drop_index("ix_task_open_assigned_due_at", table_name="task")
    op.drop_table("notification_digest")
    op.drop_table("notification_reminder")
    op.drop_table("notification_preference")
    op.drop_index("ix_task_watch_user_id", table_name="task_watch")
    op.drop_table("task_watch")
    for name in (
        "ix_notification_task_id",
        "ix_notification_digest_pending",
        "ix_notification_unread",
        "ix_notification_user_id_created_at",
    ):
        op.drop_index(name, table_name="notification")
    op.drop_table("notification")
