"""reports

Revision ID: 2026_12_05_reports
Revises: 2026_12_04_analytics
Create Date: 2026-12-05

`saved_report`: a custom-report definition with a name, its visibility (`private` to its
owner or `workspace`) and an optional schedule (frequency, local time, time zone, file
format, recipients, delivery by mail or storage); `next_run_at` (UTC, indexed) is what the
scheduler claims, `stopped_reason` why a schedule stopped. `report_delivery`: one row per
scheduled run, unique per (report, scheduled instant) so that a run is never delivered
twice, listed newest first by keyset.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_05_reports"
down_revision: str | None = "2026_12_04_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORED = "storage_key IS NOT NULL"


def upgrade() -> None:
    """Create the saved-report and report-delivery tables."""
    op.create_table(
        "saved_report",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", JSONDocument(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=True),
        sa.Column("run_time", sa.String(5), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("file_format", sa.String(8), nullable=True),
        sa.Column("recipients", JSONDocument(), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=True),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_report")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_saved_report_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_saved_report_owner_id_user_account"),
        ),
        sa.CheckConstraint(
            "visibility IN ('private', 'workspace')", name=op.f("ck_saved_report_visibility")
        ),
        sa.CheckConstraint(
            "frequency IS NULL OR frequency IN ('daily', 'weekly', 'monthly')",
            name=op.f("ck_saved_report_frequency"),
        ),
        sa.CheckConstraint(
            "file_format IS NULL OR file_format IN ('csv', 'xlsx', 'pdf')",
            name=op.f("ck_saved_report_format"),
        ),
        sa.CheckConstraint(
            "delivery IS NULL OR delivery IN ('mail', 'storage')",
            name=op.f("ck_saved_report_delivery"),
        ),
    )
    op.create_index(
        "ix_saved_report_workspace_id_created_at",
        "saved_report",
        ["workspace_id", "created_at", "id"],
    )
    op.create_index("ix_saved_report_next_run_at", "saved_report", ["next_run_at"])
    op.create_index("ix_saved_report_owner_id", "saved_report", ["owner_id"])
    op.create_table(
        "report_delivery",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("scheduled_for", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.String(200), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_delivery")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["saved_report.id"],
            ondelete="CASCADE",
            name=op.f("fk_report_delivery_report_id_saved_report"),
        ),
        sa.UniqueConstraint(
            "report_id", "scheduled_for", name=op.f("uq_report_delivery_report_id_scheduled_for")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_report_delivery_status")
        ),
    )
    op.create_index(
        "ix_report_delivery_report_id_scheduled_for",
        "report_delivery",
        ["report_id", sa.text("scheduled_for DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_report_delivery_stored_created_at",
        "report_delivery",
        ["created_at"],
        postgresql_where=sa.text(STORED),
        sqlite_where=sa.text(STORED),
    )


def downgrade() -> None:
    """Drop the report tables."""
    op.drop_table("report_delivery")
    op.drop_table("saved_report")
