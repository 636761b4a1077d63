"""Seed a smarttask database with many tasks fast: the account and project through the API,
the tasks with one `INSERT ... SELECT generate_series` per batch.

Used by bench/tasks_load.py; also runnable on its own against a server that is up:

    .venv/bin/python bench/seed_tasks.py --base http://127.0.0.1:18111 \
        --dsn postgresql://postgres@127.0.0.1:5432/smarttask_bench_tasks --tasks 100000

It prints what it made and how long the inserts took.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from dataclasses import dataclass

import asyncpg
import httpx

PASSWORD = "bench-Correct-Horse-7431"
# Every task gets a status by number (todo, in_progress, done, cancelled in turn), the first
# workflow state of that status, a rank in number order (a valid fractional index: tasks/
# ranks.py) and a priority 0-4; one in five gets the label "bench" and one in ten depends on
# the task before.
TASKS_SQL = """
INSERT INTO task (id, workspace_id, project_id, number, title, description, status, priority,
                  assignee_id, reporter_id, parent_id, due_at, estimate_minutes, created_at,
                  updated_at, completed_at, version, state_id, rank)
SELECT gen_random_uuid()::text, $1, $2, n, 'Benchmark task ' || n, '',
       series.status, (n * 7 % 5)::smallint,
       CASE WHEN n % 3 = 0 THEN $3 END, $3, NULL,
       CASE WHEN n % 2 = 0 THEN created + interval '14 days' END,
       CASE WHEN n % 4 = 1 THEN 30 + n % 480 END,
       created, created + interval '1 hour',
       CASE WHEN n % 4 = 2 THEN created + interval '2 days' END, 1,
       state.id, 'a0' || lpad(to_hex(n), 8, '0') || 'V'
FROM (
    SELECT n, now() - interval '365 days' * random() AS created,
           (ARRAY['todo', 'in_progress', 'done', 'cancelled'])[1 + n % 4] AS status
    FROM generate_series($4::int, $5::int) AS n
) AS series
JOIN workflow_state AS state ON state.project_id = $2 AND state.category = series.status
    AND state.position = (
        SELECT min(position) FROM workflow_state
        WHERE project_id = $2 AND category = series.status
    )
"""
LABELS_SQL = """
INSERT INTO task_label (task_id, label_id)
SELECT id, $1 FROM task WHERE project_id = $2 AND number BETWEEN $3 AND $4 AND number % 5 = 0
"""
DEPENDENCIES_SQL = """
INSERT INTO task_dependency (task_id, depends_on_id, created_at)
SELECT t.id, p.id, t.created_at
FROM task t JOIN task p ON p.project_id = t.project_id AND p.number = t.number - 1
WHERE t.project_id = $1 AND t.number BETWEEN $2 AND $3 AND t.number % 10 = 0
"""
# Indexes rebuilt after a big insert instead of maintained row by row; the primary key and
# the unique (project_id, number) stay, as the label and dependency inserts use them.
_KEEP = ("pk_task", "uq_task_project_id_number")


@dataclass(frozen=True, slots=True)
class Project:
    """The account and project the tasks belong to."""

    user_id: str
    workspace_id: str
    project_id: str
    email: str
    access_token: str


def _ok(response: httpx.Response) -> dict[str, object]:
    """The JSON body of a 2xx answer; raise with the body otherwise."""
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    if not response.content:
        return {}
    body: dict[str, object] = response.json()
    return body


async def create_account(client: httpx.AsyncClient, email: str, name: str) -> tuple[str, str]:
    """Register a user and log in; (user id, access token)."""
    account = {"email": email, "password": PASSWORD, "name": name}
    user = _ok(await client.post("/api/v1/auth/register", json=account))
    login = {"email": email, "password": PASSWORD}
    tokens = _ok(await client.post("/api/v1/auth/login", json=login))
    return str(user["id"]), str(tokens["access_token"])


async def create_project(base: str, key: str = "BENCH") -> Project:
    """A new user (owner) with a workspace, a project and one labelled task via the API."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        user_id, token = await create_account(client, email, "Bench Owner")
        client.headers["Authorization"] = f"Bearer {token}"
        workspace = _ok(await client.post("/api/v1/workspaces", json={"name": "Bench"}))
        project = _ok(
            await client.post(
                f"/api/v1/workspaces/{workspace['id']}/projects",
                json={"name": "Bench project", "key": key},
            )
        )
        # One task through the API creates the label "bench"; it is deleted again so that the
        # seeded numbers start at 1.
        task = _ok(
            await client.post(
                f"/api/v1/projects/{project['id']}/tasks",
                json={"title": "label maker", "labels": ["bench"]},
            )
        )
        _ok(await client.delete(f"/api/v1/tasks/{task['id']}"))
    return Project(user_id, str(workspace["id"]), str(project["id"]), email, token)


async def seed(dsn: str, project: Project, first: int, last: int) -> float:
    """Insert tasks numbered first..last into the project; ANALYZE; the seconds it took."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        label_id = await connection.fetchval(
            "SELECT id FROM label WHERE workspace_id = $1 AND name_key = 'bench'",
            project.workspace_id,
        )
        rebuild = last - first >= 50_000
        indexes: list[asyncpg.Record] = []
        async with connection.transaction():
            if rebuild:
                indexes = await connection.fetch(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'task' "
                    "AND indexname <> ALL($1::text[])",
                    list(_KEEP),
                )
                for index in indexes:
                    await connection.execute(f'DROP INDEX "{index["indexname"]}"')
            for start in range(first, last + 1, 200_000):
                end = min(last, start + 199_999)
                await connection.execute(
                    TASKS_SQL,
                    project.workspace_id,
                    project.project_id,
                    project.user_id,
                    start,
                    end,
                )
            for index in indexes:
                await connection.execute(index["indexdef"])
            await connection.execute(LABELS_SQL, label_id, project.project_id, first, last)
            await connection.execute(DEPENDENCIES_SQL, project.project_id, first, last)
            await connection.execute(
                "UPDATE project SET task_counter = $2 WHERE id = $1", project.project_id, last
            )
        for table in ("task", "task_label", "task_dependency", "project"):
            await connection.execute(f"VACUUM ANALYZE {table}")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def _main(args: argparse.Namespace) -> None:
    project = await create_project(args.base)
    seconds = await seed(args.dsn, project, 1, args.tasks)
    print(f"{args.tasks} tasks in project {project.project_id} ({project.email}): {seconds:.1f} s")


def main() -> int:
    """Seed from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="smarttask base URL")
    parser.add_argument("--dsn", required=True, help="the same database, for asyncpg")
    parser.add_argument("--tasks", type=int, default=100_000)
    asyncio.run(_main(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
