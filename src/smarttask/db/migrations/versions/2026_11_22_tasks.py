"""tasks, labels, dependencies, comments and full-text search

Revision ID: 2026_11_22_tasks
Revises: 2026_11_22_projects
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smarttask.db.types import UTCDateTime

revision: str = "2026_11_22_tasks"
down_revision: str | None = "2026_11_22_projects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = ("created_at", "updated_at", "due_at", "priority")


def upgrade() -> None:
    """Create the task tables and the search index of the database in use."""
    op.create_table(
        "task",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("reporter_id", sa.String(36), nullable=True),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("estimate_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_workspace_id_workspace"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_project_id_project"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_task_assignee_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_task_reporter_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["task.id"], ondelete="CASCADE", name=op.f("fk_task_parent_id_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("project_id", "number", name=op.f("uq_task_project_id_number")),
    )
    for sort in SORTS:
        op.create_index(f"ix_task_project_id_{sort}", "task", ["project_id", sort, "id"])
        op.create_index(f"ix_task_workspace_id_{sort}", "task", ["workspace_id", sort, "id"])
    op.create_index(
        "ix_task_project_id_status_created_at", "task", ["project_id", "status", "created_at", "id"]
    )
    op.create_index(
        "ix_task_workspace_id_status_created_at",
        "task",
        ["workspace_id", "status", "created_at", "id"],
    )
    op.create_index("ix_task_assignee_id", "task", ["assignee_id", "status"])
    op.create_index("ix_task_parent_id", "task", ["parent_id"])
    op.create_table(
        "label",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_key", sa.String(50), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=op.f("fk_label_workspace_id_workspace"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label")),
        sa.UniqueConstraint(
            "workspace_id", "name_key", name=op.f("uq_label_workspace_id_name_key")
        ),
    )
    op.create_table(
        "task_label",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("label_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], ondelete="CASCADE", name=op.f("fk_task_label_task_id_task")
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["label.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_label_label_id_label"),
        ),
        sa.PrimaryKeyConstraint("task_id", "label_id", name=op.f("pk_task_label")),
    )
    op.create_index("ix_task_label_label_id", "task_label", ["label_id", "task_id"])
    op.create_table(
        "task_dependency",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("depends_on_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_dependency_task_id_task"),
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["task.id"],
            ondelete="CASCADE",
            name=op.f("fk_task_dependency_depends_on_id_task"),
        ),
        sa.PrimaryKeyConstraint("task_id", "depends_on_id", name=op.f("pk_task_dependency")),
    )
    op.create_index(
        "ix_task_dependency_depends_on_id", "task_dependency", ["depends_on_id", "task_id"]
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], ondelete="CASCADE", name=op.f("fk_comment_task_id_task")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_comment_author_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    op.create_index("ix_comment_task_id_created_at", "comment", ["task_id", "created_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE task ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, '')))"
            " STORED"
        )
        op.execute("CREATE INDEX ix_task_search_vector ON task USING gin (search_vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE task_fts USING fts5(title, description, content='task', "
            "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER task_fts_insert AFTER INSERT ON task BEGIN "
            "INSERT INTO task_fts(rowid, title, description) "
            "VALUES (new.rowid, new.title, new.description); END"
        )
        op.execute(
            "CREATE TRIGGER task_fts_delete AFTER DELETE ON task BEGIN "
            "INSERT INTO task_fts(task_fts, rowid, title, description) "
            "VALUES ('delete', old.rowid, old.title, old.description); END"
        )
        op.execute(
            "CREATE TRIGGER task_fts_update AFTER UPDATE OF title, description ON task BEGIN "
            "INSERT INTO task_fts(task_fts, rowid, title, description) "
            "VALUES ('delete', old.rowid, old.title, old.description); "
            "INSERT INTO task_fts(rowid, title, description) "
            "VALUES (new.rowid, new.title, new.description); END"
        )


def downgrade() -> None:
    """Drop the task tables."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("task_fts_insert", "task_fts_delete", "task_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS task_fts")
    op.drop_table("comment")
    op.drop_table("task_dependency")
    op.drop_table("task_label")
    op.drop_table("label")
    op.drop_table("task")
