"""private projects

Revision ID: 2026_12_11_private_projects
Revises: 2026_12_10_calendar
Create Date: 2026-12-11

`project.visibility` (`workspace` for every existing project, or `private`),
`project_member`: who, besides the workspace's admins and owners, sees a private project,
and `activity.project_id`: the project a trail entry belongs to (NULL for the entries
written before, which belong to no private project yet); `deleted_private_project`
remembers the private projects that were deleted, whose trail stays hidden. The
workspace-wide analytics indexes include `project_id` on PostgreSQL, so a member who cannot
see a private project still reads the days from the index alone.
The access rule reads a membership by (project_id, user_id), its primary key; a user's
private projects are found through (user_id, project_id); a project's member list pages
through (project_id, created_at, user_id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_11_private_projects"
down_revision: str | None = "2026_12_10_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_DAY_INCLUDE = ["assignee_key", "created", "completed", "completed_due", "completed_on_time"]


def _analytics_indexes(include: list[str]) -> None:
    """The workspace-wide analytics indexes again, with these INCLUDE columns (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE: its indexes are the same either way
    for name, columns, included in (
        ("ix_analytics_day_workspace_id_day", ["workspace_id", "day"], include),
        (
            "ix_analytics_day_workspace_id_assignee_key_day",
            ["workspace_id", "assignee_key", "day"],
            include[1:],
        ),
    ):
        op.drop_index(name, table_name="analytics_day")
        op.create_index(name, "analytics_day", columns, postgresql_include=included)


def upgrade() -> None:
    """Add the project's visibility and the project members."""
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("visibility", sa.String(16), nullable=False, server_default="workspace")
        )
        batch.create_check_constraint(
            op.f("ck_project_visibility"), "visibility IN ('workspace', 'private')"
        )
    op.create_table(
        "project_member",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            ondelete="CASCADE",
            name=op.f("fk_project_member_project_id_project"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=op.f("fk_project_member_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_member")),
    )
    op.create_index("ix_project_member_user_id", "project_member", ["user_id", "project_id"])
    op.create_index(
        "ix_project_member_project_id_created_at",
        "project_member",
        ["project_id", "created_at", "user_id"],
    )
    op.add_column("activity", sa.Column("project_id", sa.String(36), nullable=True))
    op.create_table(
        "deleted_private_project",
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_deleted_private_project_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_deleted_private_project")),
    )
    op.create_index(
        op.f("ix_deleted_private_project_workspace_id"),
        "deleted_private_project",
        ["workspace_id"],
    )
    _analytics_indexes([*_DAY_INCLUDE, "project_id"])


def downgrade() -> None:
    """Drop the project members and the visibility."""
    _analytics_indexes(_DAY_INCLUDE)
    op.drop_table("deleted_private_project")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("project_id")
    op.drop_table("project_member")
    with op.batch_alter_table("project") as batch:
        batch.drop_constraint(op.f("ck_project_visibility"), type_="check")
        batch.drop_column("visibility")
