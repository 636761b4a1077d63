"""The demo workspace: realistic, consistent, usable through the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from smarttask.db.engine import Database
from smarttask.demo import DEMO_PASSWORD, has_users, load_demo
from tests.support import make_settings


async def test_demo_data_is_realistic_and_usable(app: Any, client: httpx.AsyncClient) -> None:
    async with app.state.database.session() as session:
        assert not await has_users(session)
        summary = await load_demo(session, app.state.auth, tasks=300)
        await session.commit()
        assert await has_users(session)
    login = await client.post(
        "/api/v1/auth/login", json={"email": summary.emails[0], "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    url = f"/api/v1/workspaces/{summary.workspace_id}/tasks"
    tasks: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=headers)).json()
        tasks += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(tasks) == 300
    statuses = {t["status"] for t in tasks}
    assert statuses == {"todo", "in_progress", "done", "cancelled"}
    done = [t for t in tasks if t["status"] == "done" and t["due_at"]]
    late = [t for t in done if t["completed_at"] > t["due_at"]]
    assert 0 < len(late) < len(done)
    assert any(t["depends_on"] for t in tasks)
    assert any(t["parent_id"] for t in tasks)
    assert any(t["labels"] for t in tasks)
    keys = {t["key"] for t in tasks}
    assert len(keys) == 300
    # Task numbers continue after the demo's.
    projects = (
        await client.get(f"/api/v1/workspaces/{summary.workspace_id}/projects", headers=headers)
    ).json()
    project = projects["items"][0]
    created = await client.post(
        f"/api/v1/projects/{project['id']}/tasks", json={"title": "new"}, headers=headers
    )
    assert created.status_code == 201
    assert created.json()["key"] not in keys
    found = await client.get(url, params={"q": created.json()["title"]}, headers=headers)
    assert [t["id"] for t in found.json()["items"]] == [created.json()["id"]]
    searched = await client.get(url, params={"q": "login flow"}, headers=headers)
    assert searched.json()["items"]
    # The dashboards have a history to show: the demo's tasks were given one.
    dash = await client.get(
        "/api/v1/analytics/dashboard",
        params={"workspace_id": summary.workspace_id, "from": "2000-01-01", "to": "2003-01-01"},
        headers=headers,
    )
    assert dash.status_code == 422  # more than three years
    dash = await client.get(
        "/api/v1/analytics/dashboard",
        params={"workspace_id": summary.workspace_id},
        headers=headers,
    )
    totals = dash.json()["totals"]
    assert sum(totals[s] for s in ("todo", "in_progress", "done", "cancelled")) == 301
    assert totals["done"] == sum(1 for t in tasks if t["status"] == "done")
    assert sum(day["count"] for day in dash.json()["completed_per_day"]) > 0
    # Time logged by the assignees, in step with each task's total.
    timed = [t for t in tasks if t["time_spent_minutes"]]
    assert timed
    assert all(t["status"] in ("in_progress", "done") for t in timed)
    for task in timed[:5]:
        logged = await client.get(f"/api/v1/tasks/{task['id']}/time-entries", headers=headers)
        entries = logged.json()["items"]
        assert sum(e["minutes"] for e in entries) == task["time_spent_minutes"]
        assert {e["user_id"] for e in entries} == {task["assignee_id"]}
    # Three saved views, each a valid list of the workspace's tasks.
    views = await client.get(f"/api/v1/workspaces/{summary.workspace_id}/views", headers=headers)
    assert [v["layout"] for v in views.json()["items"]] == ["board", "calendar", "list"]
    for view in views.json()["items"]:
        run = await client.get(f"/api/v1/views/{view['id']}/tasks", headers=headers)
        assert run.status_code == 200, run.text
        assert run.json()["items"], view["name"]


async def test_the_demo_command_leaves_statistics_for_the_planner(
    database_url: str, clean_database: None, tmp_path: Path
) -> None:
    tables = ("task", "task_label")
    database = Database(make_settings(database_url).database)
    try:
        async with database.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Only the command's own ANALYZE may count here, not an autovacuum round.
                for table in tables:
                    await connection.execute(
                        text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
                    )
            elif await _has_sqlite_stat1(connection):
                await connection.execute(text("DELETE FROM sqlite_stat1"))
        assert await _statistics(database, tables) == dict.fromkeys(tables, False)

        env = {
            **os.environ,
            "SMARTTASK_DATABASE_URL": database_url,
            "SMARTTASK_LOG_LEVEL": "WARNING",
        }
        loaded = subprocess.run(
            [sys.executable, "-m", "smarttask.entrypoints.cli", "demo", "--tasks", "200"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert await _statistics(database, tables) == dict.fromkeys(tables, True)
    finally:
        async with database.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                for table in tables:
                    await connection.execute(
                        text(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
                    )
        await database.dispose()


async def _has_sqlite_stat1(connection: AsyncConnection) -> bool:
    found = await connection.scalar(
        text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    )
    return bool(found)


async def _statistics(database: Database, tables: tuple[str, ...]) -> dict[str, bool]:
    """Per table, whether the planner has statistics of it."""
    # PostgreSQL's row estimate is -1 until the table is first analysed (or vacuumed); SQLite
    # has rows in sqlite_stat1 only for analysed tables.
    async with database.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = await connection.execute(
                text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
                {"names": list(tables)},
            )
            return {name: estimate > 0 for name, estimate in rows}
        if not await _has_sqlite_stat1(connection):
            return dict.fromkeys(tables, False)
        rows = await connection.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))
        analysed = {name for (name,) in rows}
        return {table: table in analysed for table in tables}
