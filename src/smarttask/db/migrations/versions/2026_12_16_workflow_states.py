"""workflow states and task ranks

Revision ID: 2026_12_16_workflow_states
Revises: 2026_12_15_delivery_retention
Create Date: 2026-12-16

`workflow_state`: a project's ordered board columns, each of one status category. Every
existing project gets the four default states (To do, In progress, Done, Cancelled) and
every task the state of its status; `task.rank` orders the cards of a column (fractional
indexing, tasks/ranks.py), given here in creation order per column.

SQLite: the task table is not rebuilt (a rebuild would drop the full-text triggers and,
with foreign keys on, cascade into the tables that reference tasks), so both columns are
added in place as NOT NULL with an empty default, and `state_id` without its REFERENCES
clause there (SQLite refuses a REFERENCES column with a non-NULL default); the services
always write both. PostgreSQL gets the foreign key and no default.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from fractional_indexing import generate_n_keys_between

from smarttask.db.types import UTCDateTime

revision: str = "2026_12_16_workflow_states"
down_revision: str | None = "2026_12_15_delivery_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFAULTS = (
    ("To do", "todo", "#6b7280"),
    ("In progress", "in_progress", "#2563eb"),
    ("Done", "done", "#16a34a"),
    ("Cancelled", "cancelled", "#9ca3af"),
)
_BATCH = 1000


def _backfill() -> None:
    """The default states of every project, each task's state and its rank in its column."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    state = sa.table(
        "workflow_state",
        *(sa.column(name) for name in ("id", "workspace_id", "project_id", "name", "name_key")),
        *(sa.column(name) for name in ("category", "color", "position", "version")),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    task = sa.table(
        "task", *(sa.column(name) for name in ("id", "project_id", "status", "state_id", "rank"))
    )
    projects = bind.execute(sa.text("SELECT id, workspace_id FROM project")).all()
    for project_id, workspace_id in projects:
        states = {}
        for position, (name, category, color) in enumerate(_DEFAULTS):
            states[category] = str(uuid.uuid4())
            row = {
                "id": states[category],
                "workspace_id": workspace_id,
                "project_id": project_id,
                "name": name,
                "name_key": name.casefold(),
                "category": category,
                "color": color,
                "position": position,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            bind.execute(sa.insert(state).values(row))
        for category, state_id in states.items():
            ids = (
                bind.execute(
                    sa.text(
                        "SELECT id FROM task WHERE project_id = :p AND status = :s "
                        "ORDER BY created_at, id"
                    ),
                    {"p": project_id, "s": category},
                )
                .scalars()
                .all()
            )
            ranks = generate_n_keys_between(None, None, len(ids)) if ids else []
            rows = [
                {"task_id": task_id, "state_id": state_id, "rank": rank}
                for task_id, rank in zip(ids, ranks, strict=True)
            ]
            statement = (
                sa.update(task)
                .where(task.c.id == sa.bindparam("task_id"))
                .values(state_id=sa.bindparam("state_id"), rank=sa.bindparam("rank"))
            )
            for start in range(0, len(rows), _BATCH):
                bind.execute(statement, rows[start : start + _BATCH])


def upgrade() -> None:
    """Add the states, the task columns and their indexes, then fill them."""
    op.create_table(
        "workflow_state",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.String(36),
            sa.ForeignKey("workspace.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "project_id",
            sa.String(36),
            sa.ForeignKey("project.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("name_key", sa.String(50), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("color", sa.String(7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("project_id", "name_key"),
        sa.CheckConstraint(
            "category IN ('todo', 'in_progress', 'done', 'cancelled')", name="category"
        ),
    )
    op.create_index(
        "ix_workflow_state_project_id_position", "workflow_state", ["project_id", "position", "id"]
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.add_column("task", sa.Column("state_id", sa.String(36), nullable=True))
        op.add_column("task", sa.Column("rank", sa.String(255, collation="C"), nullable=True))
    else:  # plain ADD COLUMN: no table rebuild (see above)
        op.execute("ALTER TABLE task ADD COLUMN state_id VARCHAR(36) NOT NULL DEFAULT ''")
        op.execute("ALTER TABLE task ADD COLUMN rank VARCHAR(255) NOT NULL DEFAULT ''")
    _backfill()
    if postgresql:
        op.alter_column("task", "state_id", nullable=False)
        op.alter_column("task", "rank", nullable=False)
        op.create_foreign_key(
            op.f("fk_task_state_id_workflow_state"), "task", "workflow_state", ["state_id"], ["id"]
        )
    for name, columns in (
        ("ix_task_project_id_state_id_rank", ["project_id", "state_id", "rank", "id"]),
        ("ix_task_project_id_rank", ["project_id", "rank", "id"]),
        ("ix_task_workspace_id_rank", ["workspace_id", "rank", "id"]),
        ("ix_task_state_id", ["state_id"]),
    ):
        op.create_index(name, "task", columns)


def downgrade() -> None:
    """Drop the task columns and the states."""
    for name in (
        "ix_task_project_id_state_id_rank",
        "ix_task_project_id_rank",
        "ix_task_workspace_id_rank",
        "ix_task_state_id",
    ):
        op.drop_index(name, table_name="task")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_task_state_id_workflow_state"), "task", type_="foreignkey")
    op.drop_column("task", "rank")  # SQLite 3.35+ drops in place (the FTS triggers survive)
    op.drop_column("task", "state_id")
    op.drop_index("ix_workflow_state_project_id_position", table_name="workflow_state")
    op.drop_table("workflow_state")
