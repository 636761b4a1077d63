"""AI analyses and token usage

Revision ID: 2026_11_22_analysis
Revises: 2026_11_22_risk
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_analysis"
down_revision: str | None = "2026_11_22_risk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the analysis tables."""
    op.create_table(
        "analysis",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("requested_by", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("cached_from", sa.String(36), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("risk", sa.JSON(), nullable=True),
        sa.Column("guardrail", sa.JSON(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], ondelete="CASCADE", name=op.f("fk_analysis_task_id_task")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_analysis_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_analysis_requested_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
    )
    op.create_index("ix_analysis_task_id_created_at", "analysis", ["task_id", "created_at", "id"])
    op.create_index(
        "ix_analysis_cache",
        "analysis",
        ["workspace_id", "content_hash", "provider", "model", "prompt_version", "status"],
    )
    op.create_table(
        "ai_usage",
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_ai_usage_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "day", name=op.f("pk_ai_usage")),
    )


def downgrade() -> None:
    """Drop the analysis tables."""
    op.drop_table("ai_usage")
    op.drop_index("ix_analysis_cache", table_name="analysis")
    op.drop_index("ix_analysis_task_id_created_at", table_name="analysis")
    op.drop_table("analysis")
