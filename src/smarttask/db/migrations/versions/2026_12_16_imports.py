"""project imports

Revision ID: 2026_12_16_imports
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

`project_import`: each file uploaded into a project (its bytes kept until its job ran),
its detected format, its status and its report. A project's imports are listed newest
first through (project_id, created_at, id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_16_imports"
down_revision: str | None = "2026_12_16_saved_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the project import table."""
    op.create_table(
        "project_import",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("report", JSONDocument(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed')",
            name=op.f("ck_project_import_status"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_project_import_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            ondelete="CASCADE",
            name=op.f("fk_project_import_project_id_project"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_project_import_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_import")),
    )
    op.create_index(
        "ix_project_import_project_id_created_at",
        "project_import",
        ["project_id", "created_at", "id"],
    )


def downgrade() -> None:
    """Drop the project import table."""
    op.drop_index("ix_project_import_project_id_created_at", table_name="project_import")
    op.drop_table("project_import")
