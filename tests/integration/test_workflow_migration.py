"""The workflow states migration on a database holding tasks of the previous revision: every
project gets its four states, every task the state of its status and a rank in creation
order within its column."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import column, insert, select, table, text

from smarttask.db.engine import Database
from smarttask.db.migrate import upgrade
from tests.support import (
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    sqlite_url,
)

PREVIOUS = "2026_12_15_delivery_retention"
_WORKSPACE = table(
    "workspace", *(column(c) for c in ("id", "name", "version", "created_at", "updated_at"))
)
_PROJECT = table(
    "project",
    *(column(c) for c in ("id", "workspace_id", "key", "name", "task_counter", "version")),
    column("created_at"),
    column("updated_at"),
)
_TASK_COLUMNS = ("id", "workspace_id", "project_id", "number", "title", "description")
_TASK = table(
    "task",
    *(column(c) for c in _TASK_COLUMNS),
    *(column(c) for c in ("status", "priority", "created_at", "updated_at", "version")),
)


@pytest.fixture
async def old_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database migrated to the revision before workflow states."""
    if backend == "sqlite":
        url = sqlite_url(tmp_path)
        await asyncio.to_thread(upgrade, url, PREVIOUS)
        yield url
        return
    url, name = await create_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url, PREVIOUS)
        yield url
    finally:
        await drop_postgres_database(name)


async def test_existing_tasks_get_states_and_ranks_in_creation_order(old_database: str) -> None:
    database = Database(make_settings(old_database).database)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    # Created out of id order: the rank follows created_at, not the id.
    statuses = ["todo", "done", "todo", "in_progress", "todo", "cancelled"]
    ids = [f"00000000-0000-0000-0000-00000000000{9 - i}" for i in range(len(statuses))]
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                insert(_WORKSPACE).values(
                    id="w1", name="Old", version=1, created_at=start, updated_at=start
                )
            )
            for key in ("OLD", "TWO"):
                await connection.execute(
                    insert(_PROJECT).values(
                        id=f"p-{key}",
                        workspace_id="w1",
                        key=key,
                        name=key,
                        task_counter=len(statuses),
                        version=1,
                        created_at=start,
                        updated_at=start,
                    )
                )
            for number, (task_id, status) in enumerate(zip(ids, statuses, strict=True), 1):
                await connection.execute(
                    insert(_TASK).values(
                        id=task_id,
                        workspace_id="w1",
                        project_id="p-OLD",
                        number=number,
                        title=f"task {number}",
                        description="",
                        status=status,
                        priority=0,
                        created_at=start + timedelta(hours=number),
                        updated_at=start,
                        version=1,
                    )
                )
    finally:
        await database.dispose()

    await asyncio.to_thread(upgrade, old_database)

    database = Database(make_settings(old_database).database)
    try:
        async with database.engine.connect() as connection:
            states = (
                await connection.execute(
                    text(
                        "SELECT project_id, name, category, position FROM workflow_state "
                        "ORDER BY project_id, position"
                    )
                )
            ).all()
            assert [tuple(s) for s in states] == [
                (project, name, category, position)
                for project in ("p-OLD", "p-TWO")
                for position, (name, category) in enumerate(
                    [
                        ("To do", "todo"),
                        ("In progress", "in_progress"),
                        ("Done", "done"),
                        ("Cancelled", "cancelled"),
                    ]
                )
            ]
            rows = (
                await connection.execute(
                    text(
                        "SELECT t.id, t.status, s.category, t.rank, t.version FROM task t "
                        "JOIN workflow_state s ON s.id = t.state_id ORDER BY t.created_at"
                    )
                )
            ).all()
            assert len(rows) == len(statuses)
            assert all(row.status == row.category and row.version == 1 for row in rows)
            todo = [row for row in rows if row.status == "todo"]
            assert [row.id for row in todo] == [ids[0], ids[2], ids[4]]
            assert [row.rank for row in todo] == sorted(row.rank for row in todo)
            assert len({row.rank for row in todo}) == 3
            orphans = await connection.execute(
                select(column("id")).select_from(table("task")).where(text("state_id IS NULL"))
            )
            assert orphans.all() == []
    finally:
        await database.dispose()
