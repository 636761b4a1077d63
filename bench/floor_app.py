"""The floor: the simplest code that answers smarttask's task read and task page.

Starlette + asyncpg, one SQL statement per answer as a person would write it first, no
framework. The bearer check is the reference's (bench/reference_app.py), so that both bare
apps pay the same for it: the JWT verified once per token string (HS256, issuer,
audience), then the login checked in the database on every request. So each request runs
two statements: the login, then the answer. The pool is the reference's too.

    BENCH_REFERENCE_DSN=postgresql://postgres@127.0.0.1:5432/smarttask_bench_floor \
        .venv/bin/python -m uvicorn floor_app:app --app-dir bench --workers 2 --no-access-log

What it leaves out, compared with smarttask and the reference: the list does not tell a
missing project or a foreign workspace (an empty list) from an empty page (smarttask's
404); the query string is read as given (`status` once, `limit`); only the newest-first
order; 401 and 404 without a problem body.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reference_app import _signed_in, _unauthorized, lifespan

_COLUMNS = """
    t.id, t.number, t.project_id, t.workspace_id, t.title, t.description, t.status,
    t.priority, t.assignee_id, t.reporter_id, t.parent_id, t.due_at, t.estimate_minutes,
    t.created_at, t.updated_at, t.completed_at, t.version, t.risk_score, t.risk_level,
    t.risk_factors, t.recurrence_rule, t.recurrence_from, t.time_spent_minutes,
    p.key AS project_key,
    ARRAY(SELECT l.name FROM task_label tl JOIN label l ON l.id = tl.label_id
          WHERE tl.task_id = t.id ORDER BY l.name_key) AS labels,
    ARRAY(SELECT d.depends_on_id FROM task_dependency d WHERE d.task_id = t.id
          ORDER BY d.created_at, d.depends_on_id) AS depends_on
"""
TASK = f"""
SELECT {_COLUMNS}
FROM task t
JOIN project p ON p.id = t.project_id
JOIN membership m ON m.workspace_id = t.workspace_id AND m.user_id = $1
WHERE t.id = $2
"""
PAGE = f"""
SELECT {_COLUMNS}
FROM task t
JOIN project p ON p.id = t.project_id
JOIN membership m ON m.workspace_id = t.workspace_id AND m.user_id = $1
WHERE t.project_id = $2 AND t.status = $3
ORDER BY t.created_at DESC, t.id DESC
LIMIT $4
"""
PRIORITIES = ("none", "low", "medium", "high", "urgent")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _risk(row: Any) -> dict[str, Any] | None:
    if row["risk_level"] is None or row["status"] not in ("todo", "in_progress"):
        return None
    factors = orjson.loads(row["risk_factors"]) if row["risk_factors"] else []
    return {
        "score": float(row["risk_score"]),
        "level": row["risk_level"],
        "factors": [{"name": f["name"], "weight": float(f["weight"])} for f in factors],
    }


def _task(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": f"{row['project_key']}-{row['number']}",
        "number": row["number"],
        "project_id": row["project_id"],
        "workspace_id": row["workspace_id"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "priority": PRIORITIES[row["priority"]],
        "assignee_id": row["assignee_id"],
        "reporter_id": row["reporter_id"],
        "labels": row["labels"],
        "parent_id": row["parent_id"],
        "due_at": _time(row["due_at"]),
        "estimate_minutes": row["estimate_minutes"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "completed_at": _time(row["completed_at"]),
        "version": row["version"],
        "risk": _risk(row),
        "depends_on": row["depends_on"],
        "recurrence": (
            None
            if row["recurrence_rule"] is None
            else {"rrule": row["recurrence_rule"], "from": row["recurrence_from"]}
        ),
        "time_spent_minutes": row["time_spent_minutes"],
    }


async def read_task(request: Request) -> Response:
    """GET /api/v1/tasks/{task_id}."""
    async with request.app.state.pool.acquire() as connection:
        user_id = await _signed_in(request, connection)
        if user_id is None:
            return _unauthorized()
        row = await connection.fetchrow(TASK, user_id, request.path_params["task_id"])
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    headers = {"ETag": f'"{row["version"]}"'}
    return Response(orjson.dumps(_task(row)), media_type="application/json", headers=headers)


async def list_project_tasks(request: Request) -> Response:
    """GET /api/v1/projects/{project_id}/tasks?status=<one status>&limit=<n>, newest first."""
    limit = int(request.query_params.get("limit", "20"))
    status = request.query_params["status"]
    async with request.app.state.pool.acquire() as connection:
        user_id = await _signed_in(request, connection)
        if user_id is None:
            return _unauthorized()
        project_id = request.path_params["project_id"]
        rows = await connection.fetch(PAGE, user_id, project_id, status, limit + 1)
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        position = ["-created_at", last["created_at"].isoformat(), last["id"]]
        cursor = base64.urlsafe_b64encode(orjson.dumps({"k": position})).decode().rstrip("=")
    body = {"items": [_task(row) for row in rows[:limit]], "next_cursor": cursor}
    return Response(orjson.dumps(body), media_type="application/json")


app = Starlette(
    routes=[
        Route("/api/v1/tasks/{task_id}", read_task, methods=["GET"]),
        Route("/api/v1/projects/{project_id}/tasks", list_project_tasks, methods=["GET"]),
    ],
    lifespan=lifespan,
)
