"""task risk scores and per-workspace risk models

Revision ID: 2026_11_22_risk
Revises: 2026_11_22_jobs
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_risk"
down_revision: str | None = "2026_11_22_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RISK_SORTS = ("created_at", "due_at")
_COLUMNS = ("reschedule_count", "risk_score", "risk_level", "risk_factors", "risk_scored_at")


def _indexes() -> list[tuple[str, list[str]]]:
    return [
        (f"ix_task_{scope}_risk_{sort}", [scope, "risk_level", sort, "id"])
        for scope in ("project_id", "workspace_id")
        for sort in RISK_SORTS
    ]


def upgrade() -> None:
    """Add the risk columns and indexes to tasks and create the risk model table."""
    # Plain ADD COLUMN on both databases: a SQLite table rebuild would drop the FTS triggers.
    op.add_column(
        "task",
        sa.Column("reschedule_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("task", sa.Column("risk_score", sa.Float(), nullable=True))
    op.add_column("task", sa.Column("risk_level", sa.String(8), nullable=True))
    op.add_column("task", sa.Column("risk_factors", sa.JSON(), nullable=True))
    op.add_column("task", sa.Column("risk_scored_at", UTCDateTime(), nullable=True))
    for name, columns in _indexes():
        op.create_index(name, "task", columns)
    op.create_table(
        "risk_model",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("coefficients", sa.JSON(), nullable=False),
        sa.Column("means", sa.JSON(), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_risk_model_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_risk_model_workspace_id_version")
        ),
    )


def downgrade() -> None:
    """Drop the risk tables and the risk columns of tasks."""
    op.drop_table("risk_model")
    for name, _columns in _indexes():
        op.drop_index(name, table_name="task")
    # SQLite 3.35+ drops a column in place (no rebuild, so the FTS triggers survive).
    for column in reversed(_COLUMNS):
        op.drop_column("task", column)
