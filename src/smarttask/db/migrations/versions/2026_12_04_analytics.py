"""analytics

Revision ID: 2026_12_04_analytics
Revises: 2026_12_03_per_user_limits
Create Date: 2026-12-04

`workspace.timezone` (IANA name, `UTC` by default): analytics count days in it.
`task_fact`: the tracked state of a task after each change; `analytics_day`,
`analytics_now` and `analytics_completion`: the aggregates kept from the facts in the
writes' transactions (smarttask/history/). Tasks that exist already are given a history
from what they hold: created at `created_at` (in their status, or `todo` when done) and,
when done, completed at `completed_at`; their aggregates follow the write path's rules
(smarttask/history/effects.py). Indexes for the dashboard's overdue count. `ai_summary`:
executive summaries already written for the same figures (analysis/summaries.py).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "2026_12_04_analytics"
down_revision: str | None = "2026_12_03_per_user_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_DAY_INCLUDE = ["assignee_key", "created", "completed", "completed_due", "completed_on_time"]


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspace.id"],
        ondelete="CASCADE",
        name=op.f(f"fk_{table}_workspace_id_workspace"),
    )


def _bucket() -> list[sa.Column[Any]]:
    return [
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("assignee_key", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    ]


def upgrade() -> None:
    """Add the workspace's time zone, the history tables, and the existing tasks' history."""
    op.execute("ALTER TABLE workspace ADD COLUMN timezone VARCHAR(64) NOT NULL DEFAULT 'UTC'")
    when = sa.DateTime(timezone=True)
    op.create_table(
        "task_fact",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("at", when, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", when, nullable=True),
        sa.Column("estimate_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", when, nullable=False),
        _workspace_fk("task_fact"),
        sa.PrimaryKeyConstraint("task_id", "version", name=op.f("pk_task_fact")),
    )
    op.create_index("ix_task_fact_workspace_id_at", "task_fact", ["workspace_id", "at"])
    op.create_table(
        "analytics_day",
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_bucket(),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("tasks", "created", "completed", "completed_due", "completed_on_time")
        ),
        sa.Column("cycle_seconds", sa.BigInteger(), nullable=False),
        _workspace_fk("analytics_day"),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "day",
            "project_id",
            "assignee_key",
            "status",
            name=op.f("pk_analytics_day"),
        ),
    )
    # Each read of a range is an index-only scan on PostgreSQL (the INCLUDE columns).
    op.create_index(
        "ix_analytics_day_workspace_id_day",
        "analytics_day",
        ["workspace_id", "day"],
        postgresql_include=_DAY_INCLUDE,
    )
    op.create_index(
        "ix_analytics_day_workspace_id_project_id_day",
        "analytics_day",
        ["workspace_id", "project_id", "day"],
        postgresql_include=["status", "tasks", "created", "completed"],
    )
    op.create_index(
        "ix_analytics_day_workspace_id_assignee_key_day",
        "analytics_day",
        ["workspace_id", "assignee_key", "day"],
        postgresql_include=_DAY_INCLUDE[1:],
    )
    op.create_table(
        "analytics_now",
        sa.Column("workspace_id", sa.String(36), nullable=False),
        *_bucket(),
        sa.Column("tasks", sa.Integer(), nullable=False),
        _workspace_fk("analytics_now"),
        sa.PrimaryKeyConstraint(
            "workspace_id", "project_id", "assignee_key", "status", name=op.f("pk_analytics_now")
        ),
    )
    op.create_table(
        "analytics_completion",
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("assignee_key", sa.String(36), nullable=False),
        sa.Column("completed_at", when, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cycle_seconds", sa.BigInteger(), nullable=False),
        sa.Column("due", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        _workspace_fk("analytics_completion"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_analytics_completion")),
    )
    for name, columns in (
        ("ix_analytics_completion_workspace_id_day", ["workspace_id", "day"]),
        (
            "ix_analytics_completion_workspace_id_project_id_day",
            ["workspace_id", "project_id", "day"],
        ),
        (
            "ix_analytics_completion_workspace_id_assignee_key_day",
            ["workspace_id", "assignee_key", "day"],
        ),
    ):
        include = ["assignee_key", "cycle_seconds", "task_id"]
        op.create_index(
            name,
            "analytics_completion",
            columns,
            postgresql_include=[c for c in include if c not in columns],
        )
    op.create_table(
        "ai_summary",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("created_at", when, nullable=False),
        _workspace_fk("ai_summary"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ai_summary")),
    )
    op.create_index(
        "ix_ai_summary_workspace_id_created_at", "ai_summary", ["workspace_id", "created_at"]
    )
    op.create_index(
        "ix_task_workspace_id_status_due_at", "task", ["workspace_id", "status", "due_at"]
    )
    op.create_index("ix_task_project_id_status_due_at", "task", ["project_id", "status", "due_at"])
    # The custom report's two ranges of tasks, by creation and by completion, are index-only
    # scans on PostgreSQL: their indexes include what the report reads.
    report_columns = [
        "project_id",
        "assignee_id",
        "status",
        "priority",
        "due_at",
        "estimate_minutes",
        "risk_level",
    ]
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_task_workspace_id_created_at", table_name="task")
        op.create_index(
            "ix_task_workspace_id_created_at",
            "task",
            ["workspace_id", "created_at", "id"],
            postgresql_include=report_columns,
        )
    op.create_index(
        "ix_task_workspace_id_completed_at",
        "task",
        ["workspace_id", "completed_at"],
        postgresql_include=["id", *report_columns, "created_at"],
        postgresql_where=sa.text("status = 'done'"),
        sqlite_where=sa.text("status = 'done'"),
    )
    _existing_history()


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


_COUNTERS = ("tasks", "created", "completed", "completed_due", "completed_on_time", "cycle_seconds")


def _existing_history() -> None:
    """Facts and aggregates for the tasks that exist (every workspace is in UTC here).

    The rules are those of smarttask/history/effects.py for a task created and maybe
    completed, written out here so that this migration never changes with the code.
    """
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id, workspace_id, project_id, assignee_id, status, priority, due_at, "
                "estimate_minutes, created_at, completed_at, version FROM task"
            )
        )
        .all()
    )
    facts: list[dict[str, Any]] = []
    completions: list[dict[str, Any]] = []
    days: dict[tuple[Any, ...], list[int]] = {}
    now: dict[tuple[Any, ...], int] = {}
    for row in rows:
        created_at, completed_at = _aware(row.created_at), _aware(row.completed_at)
        due_at, assignee = _aware(row.due_at), row.assignee_id or ""
        state = {
            "project_id": row.project_id,
            "assignee_id": row.assignee_id,
            "priority": row.priority,
            "due_at": due_at,
            "estimate_minutes": row.estimate_minutes,
            "created_at": created_at,
        }
        # A task done after its creation is given its creation (to do), then its completion.
        later = row.status == "done" and completed_at is not None and completed_at > created_at
        steps = (
            [(created_at, "todo"), (completed_at, "done")] if later else [(created_at, row.status)]
        )
        first = row.version - len(steps) + 1
        for index, (at, status) in enumerate(steps):
            facts.append(
                {
                    "task_id": row.id,
                    "version": first + index,
                    "workspace_id": row.workspace_id,
                    "at": at,
                    "kind": "changed" if index else "created",
                    "status": status,
                    **state,
                }
            )
        start = days.setdefault(
            (row.workspace_id, created_at.date(), row.project_id, assignee, steps[0][1]), [0] * 6
        )
        start[0] += 1
        start[1] += 1
        final = (row.workspace_id, row.project_id, assignee, row.status)
        now[final] = now.get(final, 0) + 1
        if row.status != "done":
            continue
        completed = completed_at if later else created_at
        assert completed is not None
        if later:
            days.setdefault(
                (row.workspace_id, completed.date(), row.project_id, assignee, "todo"), [0] * 6
            )[0] -= 1
        done = days.setdefault(
            (row.workspace_id, completed.date(), row.project_id, assignee, "done"), [0] * 6
        )
        on_time = due_at is not None and completed <= due_at
        cycle = max(0, int((completed - created_at).total_seconds()))
        done[0] += 1 if later else 0
        done[2] += 1
        done[3] += due_at is not None
        done[4] += on_time
        done[5] += cycle
        completions.append(
            {
                "task_id": row.id,
                "workspace_id": row.workspace_id,
                "project_id": row.project_id,
                "assignee_key": assignee,
                "completed_at": completed,
                "day": completed.date(),
                "cycle_seconds": cycle,
                "due": due_at is not None,
                "on_time": on_time,
            }
        )
    _insert("task_fact", facts)
    _insert("analytics_completion", completions)
    _insert(
        "analytics_day",
        [
            {
                "workspace_id": k[0],
                "day": k[1],
                "project_id": k[2],
                "assignee_key": k[3],
                "status": k[4],
                **dict(zip(_COUNTERS, v, strict=True)),
            }
            for k, v in days.items()
            if any(v)
        ],
    )
    _insert(
        "analytics_now",
        [
            {"workspace_id": k[0], "project_id": k[1], "assignee_key": k[2], "status": k[3]}
            | {"tasks": n}
            for k, n in now.items()
        ],
    )


def _insert(table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    from smarttask.db.registry import Base

    target = Base.metadata.tables[table]
    for start in range(0, len(rows), 5000):
        op.get_bind().execute(target.insert(), rows[start : start + 5000])


def downgrade() -> None:
    """Drop the history tables and indexes (the time zone column stays on SQLite)."""
    op.drop_index("ix_task_workspace_id_completed_at", table_name="task")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_task_workspace_id_created_at", table_name="task")
        op.create_index(
            "ix_task_workspace_id_created_at", "task", ["workspace_id", "created_at", "id"]
        )
    op.drop_index("ix_task_project_id_status_due_at", table_name="task")
    op.drop_index("ix_task_workspace_id_status_due_at", table_name="task")
    for table in (
        "ai_summary",
        "analytics_completion",
        "analytics_now",
        "analytics_day",
        "task_fact",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("workspace", "timezone")
