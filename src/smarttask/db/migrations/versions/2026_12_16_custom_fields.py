"""custom fields

Revision ID: 2026_12_16_custom_fields
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

`custom_field`: a workspace's task fields (name, type, options), listed by
(workspace_id, created_at, id). `task_field_value`: one typed row per value of a task's
field (a multi_select one per option). A list filtered or sorted by a field walks one of
the indexes (field_id, value_<kind>, task_id); a task's values are read by its primary key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import JSONDocument, UTCDateTime

revision: str = "2026_12_16_custom_fields"
down_revision: str | None = "2026_12_16_workflow_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VALUE_INDEXES = ("key", "number", "date", "bool")


def upgrade() -> None:
    """Create the field definitions and the typed value table with its indexes."""
    op.create_table(
        "custom_field",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("options", JSONDocument(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_custom_field_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field")),
    )
    op.create_index(
        "ix_custom_field_workspace_id_created_at",
        "custom_field",
        ["workspace_id", "created_at", "id"],
    )
    op.create_table(
        "task_field_value",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("field_id", sa.String(36), nullable=False),
        sa.Column("item", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("value_key", sa.String(255), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_field_value_task_id_task"),
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_field.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_field_value_field_id_custom_field"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_field_value_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("task_id", "field_id", "item", name=op.f("pk_task_field_value")),
    )
    for kind in _VALUE_INDEXES:
        op.create_index(
            f"ix_task_field_value_{kind}",
            "task_field_value",
            ["field_id", f"value_{kind}", "task_id"],
        )


def downgrade() -> None:
    """Drop the value table and the field definitions."""
    op.drop_table("task_field_value")
    op.drop_table("custom_field")
