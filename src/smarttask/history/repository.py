"""All SQL of the task history: facts, the aggregates' upserts, standing completions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import String, bindparam, column, delete, func, insert, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import Executable

from smarttask.db.dialect import dialect_of, insert_for
from smarttask.db.engine import transaction_reader
from smarttask.db.prebuilt import bound_rows, row_params, table_of
from smarttask.db.types import UTCDateTime
from smarttask.history.effects import DAY_COLUMNS, Completion, Effects, State
from smarttask.history.models import AnalyticsCompletion, AnalyticsDay, AnalyticsNow, TaskFact

# The workspace's zone, read without importing the workspaces package (a layer above).
_WORKSPACE = table("workspace", column("id"), column("timezone"))
_ZONE = select(_WORKSPACE.c.timezone).where(
    _WORKSPACE.c.id == bindparam("workspace_id", type_=String())
)
_DAY_KEY = ("workspace_id", "day", "project_id", "assignee_key", "status")
_NOW_KEY = ("workspace_id", "project_id", "assignee_key", "status")
_DAY_VALUES = (*_DAY_KEY, *DAY_COLUMNS)
_NOW_VALUES = (*_NOW_KEY, "tasks")
_STATE_FIELDS = (
    "project_id",
    "assignee_id",
    "status",
    "priority",
    "due_at",
    "estimate_minutes",
    "created_at",
)
_FACTS = insert(table_of(TaskFact))
_FACT_COLUMNS = (TaskFact.at, TaskFact.kind, *(getattr(TaskFact, f) for f in _STATE_FIELDS))


async def zone_of(session: AsyncSession, workspace_id: str) -> str:
    """The IANA time zone of a workspace (UTC if it is gone)."""
    reader = await transaction_reader(session)
    found = await reader.fetch_row(_ZONE, {"workspace_id": workspace_id})
    return str((found and found["timezone"]) or "UTC")


def fact_row(
    task_id: str, version: int, workspace_id: str, at: datetime, kind: str, state: State
) -> dict[str, Any]:
    """The row of one fact."""
    row: dict[str, Any] = {f: getattr(state, f) for f in _STATE_FIELDS}
    row.update(task_id=task_id, version=version, workspace_id=workspace_id, at=at, kind=kind)
    return row


async def add_facts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Append facts (one statement)."""
    if rows:
        await session.execute(_FACTS, rows)  # Core: no ORM bookkeeping per row


def aggregate_rows(
    workspace_id: str, effects: Effects
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `analytics_day` and `analytics_now` rows of `effects`, in key order."""
    days = [
        {
            "workspace_id": workspace_id,
            "day": key[0],
            "project_id": key[1],
            "assignee_key": key[2],
            "status": key[3],
            **dict(zip(DAY_COLUMNS, values, strict=True)),
        }
        for key, values in effects.day_rows()
    ]
    now = [
        {
            "workspace_id": workspace_id,
            "project_id": bucket[0],
            "assignee_key": bucket[1],
            "status": bucket[2],
            "tasks": count,
        }
        for bucket, count in effects.now_rows()
    ]
    return days, now


@lru_cache(maxsize=64)
def _day_upsert(dialect: str, rows: int) -> Executable:
    """The upsert adding `rows` rows to `analytics_day` (values bound as `<column>_<row>`)."""
    table = AnalyticsDay.__table__
    statement = insert_for(dialect, table).values(bound_rows(table, _DAY_VALUES, rows))
    return statement.on_conflict_do_update(
        index_elements=list(_DAY_KEY),
        set_={c: table.c[c] + statement.excluded[c] for c in DAY_COLUMNS},
    )


@lru_cache(maxsize=64)
def _now_upsert(dialect: str, rows: int) -> Executable:
    """The upsert adding `rows` rows to `analytics_now` (values bound as `<column>_<row>`)."""
    table = AnalyticsNow.__table__
    statement = insert_for(dialect, table).values(bound_rows(table, _NOW_VALUES, rows))
    return statement.on_conflict_do_update(
        index_elements=list(_NOW_KEY), set_={"tasks": table.c.tasks + statement.excluded.tasks}
    )


async def apply(session: AsyncSession, workspace_id: str, effects: Effects) -> None:
    """Add `effects` to the aggregates: one upsert per table, rows in key order.

    Each upsert is built once per database and row count: a statement with its values
    inlined would be built and compiled again on every write."""
    days, now = aggregate_rows(workspace_id, effects)
    dialect = dialect_of(session)
    reader = await transaction_reader(session)
    if days:
        await reader.fetch_all(_day_upsert(dialect, len(days)), row_params(days, _DAY_VALUES))
    if now:
        await reader.fetch_all(_now_upsert(dialect, len(now)), row_params(now, _NOW_VALUES))


def _completion(row: Any) -> Completion:
    return Completion(
        project_id=row.project_id,
        assignee_key=row.assignee_key,
        completed_at=row.completed_at,
        day=row.day,
        cycle_seconds=int(row.cycle_seconds),
        due=bool(row.due),
        on_time=bool(row.on_time),
    )


async def standing(session: AsyncSession, task_ids: Sequence[str]) -> dict[str, Completion]:
    """The standing completions of some tasks."""
    if not task_ids:
        return {}
    rows = await session.execute(
        select(AnalyticsCompletion).where(AnalyticsCompletion.task_id.in_(list(task_ids)))
    )
    return {row.task_id: _completion(row) for row in rows.scalars()}


def completion_row(task_id: str, workspace_id: str, done: Completion) -> dict[str, Any]:
    """The row of a standing completion."""
    return {
        "task_id": task_id,
        "workspace_id": workspace_id,
        "project_id": done.project_id,
        "assignee_key": done.assignee_key,
        "completed_at": done.completed_at,
        "day": done.day,
        "cycle_seconds": done.cycle_seconds,
        "due": done.due,
        "on_time": done.on_time,
    }


async def drop_completions(session: AsyncSession, task_ids: Sequence[str]) -> None:
    """Forget the standing completions of some tasks."""
    if task_ids:
        await session.execute(
            delete(AnalyticsCompletion).where(AnalyticsCompletion.task_id.in_(list(task_ids)))
        )


async def drop_deletions(session: AsyncSession, task_ids: Sequence[str]) -> None:
    """Take back the facts that recorded some tasks' deletion (they are restored)."""
    if task_ids:
        await session.execute(
            delete(TaskFact).where(TaskFact.task_id.in_(list(task_ids)), TaskFact.kind == "deleted")
        )


async def add_completions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record standing completions."""
    if rows:
        await session.execute(insert(AnalyticsCompletion), rows)


def _state(row: Any) -> State:
    return State(**{f: getattr(row, f) for f in _STATE_FIELDS})


async def facts_of(
    session: AsyncSession, task_ids: Sequence[str]
) -> dict[str, list[tuple[int, datetime, str, State]]]:
    """Each task's facts in order: (version, at, kind, state)."""
    found: dict[str, list[tuple[int, datetime, str, State]]] = defaultdict(list)
    if not task_ids:
        return found
    rows = await session.execute(
        select(TaskFact.task_id, TaskFact.version, *_FACT_COLUMNS)
        .where(TaskFact.task_id.in_(list(task_ids)))
        .order_by(TaskFact.task_id, TaskFact.version)
    )
    for row in rows:
        found[row.task_id].append((row.version, row.at, row.kind, _state(row)))
    return found


async def stream_facts(
    session: AsyncSession, workspace_id: str
) -> AsyncIterator[list[tuple[str, datetime, str, State]]]:
    """Every fact of a workspace, task by task in version order, in batches of 5,000:
    (task id, at, kind, state)."""
    statement = (
        select(TaskFact.task_id, *_FACT_COLUMNS)
        .where(TaskFact.workspace_id == workspace_id)
        .order_by(TaskFact.task_id, TaskFact.version)
        .execution_options(yield_per=5000)
    )
    result = await session.stream(statement)
    async for rows in result.partitions(5000):
        yield [(row.task_id, row.at, row.kind, _state(row)) for row in rows]


async def lock_aggregates(session: AsyncSession) -> None:
    """Hold writers off the aggregates until the transaction ends (PostgreSQL; readers go on).

    A writer that has not reached its upsert yet waits and then adds its change on top of
    the rebuilt rows; one that has, holds the rebuild back until it commits, so its fact is
    read. SQLite has one writer at a time anyway.
    """
    if dialect_of(session) == "postgresql":
        await session.execute(
            text("LOCK TABLE analytics_day, analytics_now, analytics_completion IN EXCLUSIVE MODE")
        )


async def clear(session: AsyncSession, workspace_id: str) -> None:
    """Delete a workspace's aggregates."""
    for model in (AnalyticsDay, AnalyticsNow, AnalyticsCompletion):
        await session.execute(delete(model).where(model.workspace_id == workspace_id))


async def insert_many(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows in batches (a rebuild's output)."""
    target = model.__table__  # Core: no ORM bookkeeping per row
    for start in range(0, len(rows), 5000):
        await session.execute(target.insert(), rows[start : start + 5000])


async def workspace_ids(session: AsyncSession) -> list[str]:
    """Every workspace, oldest first."""
    return [str(row[0]) for row in await session.execute(text("SELECT id FROM workspace"))]


async def count_tasks(session: AsyncSession, workspace_id: str) -> int:
    """How many tasks a workspace's facts describe (deleted ones included)."""
    statement = select(func.count(func.distinct(TaskFact.task_id))).where(
        TaskFact.workspace_id == workspace_id
    )
    return int(await session.scalar(statement) or 0)


_TASK = table(
    "task",
    *(
        column(name)
        for name in (
            "id",
            "workspace_id",
            "project_id",
            "assignee_id",
            "status",
            "priority",
            "estimate_minutes",
            "version",
        )
    ),
    *(column(name, UTCDateTime()) for name in ("due_at", "created_at", "completed_at")),
)


async def tasks_without_facts(session: AsyncSession, workspace_id: str) -> list[Any]:
    """Tasks of a workspace written without the history (bulk loads): their tracked fields."""
    missing = ~select(TaskFact.task_id).where(TaskFact.task_id == _TASK.c.id).exists()
    rows = await session.execute(select(_TASK).where(_TASK.c.workspace_id == workspace_id, missing))
    return list(rows)
