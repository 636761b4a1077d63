"""recurring tasks and time tracking

Revision ID: 2026_12_16_time_recurrence
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

A task gains its recurrence (`recurrence_rule`, `recurrence_from`, `recurrence_start`), the
occurrence whose completion created it (`recurrence_of`, unique: one next occurrence per
completed task, whatever the concurrency) and `time_spent_minutes`. `time_entry` keeps the
time logged on tasks; a partial unique index on user_id keeps one running timer per user.
Columns are added without a table rebuild (SQLite keeps the task table's triggers).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_16_time_recurrence"
down_revision: str | None = "2026_12_16_custom_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNNING = "ended_at IS NULL AND started_at IS NOT NULL"
_TASK_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("recurrence_rule", sa.String(500), nullable=True),
    sa.Column("recurrence_from", sa.String(16), nullable=True),
    sa.Column("recurrence_start", UTCDateTime(), nullable=True),
    sa.Column("recurrence_of", sa.String(36), nullable=True),
    sa.Column("time_spent_minutes", sa.Integer(), nullable=False, server_default="0"),
)


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], ondelete="CASCADE", name=f"fk_time_entry_{column}_{table}"
    )


def upgrade() -> None:
    """Add the task's recurrence and time spent, and the time entry table."""
    for added in _TASK_COLUMNS:
        op.add_column("task", added)
    op.create_index("uq_task_recurrence_of", "task", ["recurrence_of"], unique=True)
    op.create_table(
        "time_entry",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("workspace_id", "workspace"),
        _fk("project_id", "project"),
        _fk("task_id", "task"),
        _fk("user_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_time_entry"),
    )
    op.create_index(
        "ix_time_entry_task_id_created_at", "time_entry", ["task_id", "created_at", "id"]
    )
    op.create_index(
        "uq_time_entry_running_user_id",
        "time_entry",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(_RUNNING),
        sqlite_where=sa.text(_RUNNING),
    )
    for column in ("user_id", "project_id", "workspace_id"):
        op.create_index(f"ix_time_entry_{column}", "time_entry", [column])


def downgrade() -> None:
    """Drop the time entry table and the task's new columns."""
    op.drop_table("time_entry")
    op.drop_index("uq_task_recurrence_of", table_name="task")
    # SQLite 3.35+ drops a column in place (no rebuild, so the FTS triggers survive).
    for name in reversed([column.name for column in _TASK_COLUMNS]):
        op.drop_column("task", name)
