"""Bare reference for the HTTP benchmark: Starlette + asyncpg, smarttask's SQL, no framework.

Serve it like smarttask (uvicorn, 2 workers, no access log):

    BENCH_REFERENCE_DSN=postgresql://postgres@127.0.0.1:5432/smarttask_bench \
        .venv/bin/python -m uvicorn reference_app:app --app-dir bench --workers 2 --no-access-log

The pool has the same bounds as smarttask's default SQLAlchemy pool (10 kept, 20 at most)
and, like it, sends no reset query when a connection is released.
Reads and the hot increment are single statements in autocommit; creating a counter runs
smarttask's creation SQL (insert, then take a quota slot) in one transaction.

The task routes (bench/tasks_load.py) run the statements smarttask runs for the same
request, as PostgreSQL logs them: the access token is verified (HS256, issuer, audience,
with BENCH_REFERENCE_JWT_SECRET, by default smarttask's development key; a verified token
is remembered, as smarttask does) and its login checked in the database; then ONE
statement, smarttask's: the task (or the project's page) with the caller's membership, the
project's key, and each task's labels and dependencies aggregated in correlated
subqueries. Each statement runs in autocommit; the JSON is smarttask's, with its ETag.
bench/floor_app.py is the simplest code for the same answers; this one is the same SQL.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smarttask.keyfile import load_or_create

DSN_ENV = "BENCH_REFERENCE_DSN"
JWT_SECRET_ENV = "BENCH_REFERENCE_JWT_SECRET"
POOL_MAX_ENV = "BENCH_REFERENCE_POOL_MAX"
MAX_COUNTERS = 1000

INCREMENT = (
    "UPDATE counter SET value = counter.value + 1, updated_at = $2 WHERE counter.name = $1 "
    "RETURNING counter.name, counter.value, counter.created_at, counter.updated_at"
)
INSERT = (
    "INSERT INTO counter (name, value, created_at, updated_at) VALUES ($1, 1, $2, $2) "
    "ON CONFLICT (name) DO NOTHING "
    "RETURNING counter.name, counter.value, counter.created_at, counter.updated_at"
)
RESERVE = (
    "UPDATE counter_quota SET used = counter_quota.used + 1 "
    "WHERE counter_quota.id = 1 AND counter_quota.used < $1 RETURNING counter_quota.used"
)
READ = (
    "SELECT counter.name, counter.value, counter.created_at, counter.updated_at "
    "FROM counter WHERE counter.name = $1"
)


def _rfc3339(value: datetime) -> str:
    """An aware timestamp as RFC 3339 in UTC with a Z suffix."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _body(row: asyncpg.Record) -> dict[str, Any]:
    """The JSON body smarttask answers for a counter row."""
    return {
        "name": row["name"],
        "value": row["value"],
        "created_at": _rfc3339(row["created_at"]),
        "updated_at": _rfc3339(row["updated_at"]),
    }


def _pool(request: Request) -> asyncpg.Pool:
    """The worker's connection pool."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _create(connection: asyncpg.Connection, name: str, now: datetime) -> asyncpg.Record:
    """Create a counter at 1 (or increment it if another request won the race)."""
    async with connection.transaction():
        row = await connection.fetchrow(INSERT, name, now)
        if row is None:
            return await connection.fetchrow(INCREMENT, name, now)
        if await connection.fetchval(RESERVE, MAX_COUNTERS) is None:
            raise LookupError("counter quota reached")
        return row


async def increment(request: Request) -> JSONResponse:
    """POST /api/v1/counters/{name}/increment."""
    name = request.path_params["name"]
    now = datetime.now(UTC)
    async with _pool(request).acquire() as connection:
        row = await connection.fetchrow(INCREMENT, name, now)
        if row is None:
            try:
                row = await _create(connection, name, now)
            except LookupError:
                return JSONResponse({"detail": "too many counters"}, status_code=409)
    return JSONResponse(_body(row))


async def read(request: Request) -> JSONResponse:
    """GET /api/v1/counters/{name}."""
    async with _pool(request).acquire() as connection:
        row = await connection.fetchrow(READ, request.path_params["name"])
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(_body(row))


# --- tasks: the statements smarttask runs, in its order -------------------------------------
SIGNED_IN_USER = (
    "SELECT user_account.id, user_account.email, user_account.name, user_account.password_hash, "
    "user_account.is_admin, user_account.is_active, user_account.totp_secret, "
    "user_account.totp_enabled, user_account.totp_last_step, user_account.created_at, "
    "user_account.updated_at, user_account.deleted_at FROM user_account "
    "WHERE user_account.id = $1::VARCHAR AND user_account.is_active IS true AND (EXISTS ("
    "SELECT refresh_token.id FROM refresh_token WHERE refresh_token.family_id = $2::VARCHAR "
    "AND refresh_token.user_id = $3::VARCHAR AND refresh_token.revoked_at IS NULL))"
)
_TASK_COLUMNS = (
    "task.id, task.number, task.project_id, task.workspace_id, task.title, task.description, "
    "task.status, task.priority, task.assignee_id, task.reporter_id, task.parent_id, "
    "task.due_at, task.estimate_minutes, task.created_at, task.updated_at, task.completed_at, "
    "task.version, task.risk_score, task.risk_level, task.risk_factors, task.state_id, "
    "task.rank, task.recurrence_rule, task.recurrence_from, task.time_spent_minutes, "
    "project.key AS project_key"
)
_LABELS = (
    "ARRAY(SELECT label.name AS item \nFROM task_label JOIN label ON label.id = task_label.label_id"
    " \nWHERE task_label.task_id = {}.id ORDER BY label.name_key) AS labels, "
)
_DEPENDS = (
    "ARRAY(SELECT task_dependency.depends_on_id AS item \nFROM task_dependency \n"
    "WHERE task_dependency.task_id = {}.id "
    "ORDER BY task_dependency.created_at, task_dependency.depends_on_id) AS depends_on, "
    "(SELECT workflow_state.name \nFROM workflow_state \nWHERE workflow_state.id = {}.state_id) "
    "AS state_name, "
)
# Custom field values, one JSON array per value (smarttask's fields/sql.py, values_select).
_FIELDS = (
    "ARRAY(SELECT CAST(json_build_array(task_field_value.field_id, custom_field.type, "
    "task_field_value.value_key, task_field_value.value_text, task_field_value.value_number, "
    "task_field_value.value_date, task_field_value.value_bool) AS TEXT) AS item \n"
    "FROM task_field_value JOIN custom_field ON custom_field.id = task_field_value.field_id \n"
    "WHERE task_field_value.task_id = {}.id ORDER BY custom_field.created_at, "
    "task_field_value.field_id, task_field_value.item) AS fields \n"
)
# The caller's role, none (NULL) in a private project they are not a project member of,
# unless they are an admin or owner.
_ROLE = (
    "CASE WHEN (NOT (membership.role IN ('owner', 'admin') OR project.visibility != 'private' "
    "OR (EXISTS (SELECT * \nFROM project_member \nWHERE project_member.project_id = project.id "
    "AND project_member.user_id = $1::VARCHAR)))) THEN NULL ELSE membership.role END "
    "AS member_role"
)
# The task with its project's key, the caller's role, its labels and its dependencies: no
# row for a non-member, a NULL role where the project is hidden from them.
TASK = (
    f"SELECT {_TASK_COLUMNS}, {_ROLE}, "
    + _LABELS.format("task")
    + _DEPENDS.format("task", "task")
    + _FIELDS.format("task")
    + "FROM task JOIN project ON project.id = task.project_id JOIN membership ON "
    "membership.workspace_id = task.workspace_id AND membership.user_id = $1::VARCHAR \n"
    "WHERE task.id = $2::VARCHAR"
)
_BODY_NAMES = (
    "id",
    "number",
    "project_id",
    "workspace_id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "reporter_id",
    "parent_id",
    "due_at",
    "estimate_minutes",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
    "risk_score",
    "risk_level",
    "risk_factors",
    "state_id",
    "rank",
    "recurrence_rule",
    "recurrence_from",
    "time_spent_minutes",
)
_PAGE_COLUMNS = ", ".join(f"task.{name} AS {name}" for name in _BODY_NAMES)
# The caller's role, the project's key and the page with labels and dependencies: one row
# per task, one row of NULL task columns for an empty page, no row for a non-member.
TASK_PAGE = (
    f"SELECT {_ROLE}, project.key AS project_key, "
    + ", ".join(f"page.{name}" for name in (*_BODY_NAMES, "sort_value"))
    + ", "
    + _LABELS.format("page")
    + _DEPENDS.format("page", "page")
    + _FIELDS.format("page")
    + "FROM project JOIN membership ON membership.workspace_id = project.workspace_id "
    "AND membership.user_id = $1::VARCHAR LEFT OUTER JOIN "
    f"(SELECT {_PAGE_COLUMNS}, task.created_at AS sort_value \n"
    "FROM task \nWHERE task.project_id = $2::VARCHAR AND task.status IN ($3::VARCHAR) "
    "ORDER BY task.created_at DESC, task.id DESC \n LIMIT $4::INTEGER) AS page ON true \n"
    "WHERE project.id = $2::VARCHAR ORDER BY page.sort_value DESC, page.id DESC"
)
PRIORITIES = ("none", "low", "medium", "high", "urgent")
_TASK_FIELDS = (
    "id",
    "key",
    "number",
    "project_id",
    "workspace_id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "reporter_id",
    "labels",
    "parent_id",
    "due_at",
    "estimate_minutes",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
    "depends_on",
    "state",
    "rank",
    "fields",
)


def _risk(row: asyncpg.Record) -> dict[str, Any] | None:
    """The stored risk of an open task, as smarttask answers it."""
    if row["risk_level"] is None or row["status"] not in ("todo", "in_progress"):
        return None
    factors = orjson.loads(row["risk_factors"]) if row["risk_factors"] else []
    return {
        "score": float(row["risk_score"]),
        "level": row["risk_level"],
        "factors": [{"name": f["name"], "weight": float(f["weight"])} for f in factors],
    }


def _optional_time(value: datetime | None) -> str | None:
    return None if value is None else _rfc3339(value)


# Verified tokens, as smarttask keeps them (accounts/tokens.py): expiry re-checked on each hit.
_VERIFIED: dict[str, dict[str, Any]] = {}


def verified_claims(request: Request) -> dict[str, Any] | None:
    """The claims of the request's valid access token (remembered per token), or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    token = token.strip()
    claims = _VERIFIED.get(token)
    if claims is None or claims["exp"] <= time.time():
        try:
            claims = jwt.decode(
                token,
                request.app.state.jwt_secret,
                algorithms=["HS256"],
                audience="smarttask-api",
                issuer="smarttask",
                options={"require": ["exp", "sub", "sid", "typ"]},
            )
        except jwt.InvalidTokenError:
            return None
        if claims["typ"] != "access":
            return None
        if len(_VERIFIED) >= 4096:
            _VERIFIED.clear()
        _VERIFIED[token] = claims
    return claims


async def _signed_in(request: Request, connection: asyncpg.Connection) -> str | None:
    """The caller's user id from a valid access token whose login is live; None otherwise."""
    claims = verified_claims(request)
    if claims is None:
        return None
    user = await connection.fetchrow(SIGNED_IN_USER, claims["sub"], claims["sid"], claims["sub"])
    return None if user is None else str(user["id"])


def _task_body(row: asyncpg.Record) -> dict[str, Any]:
    """smarttask's task body for a row of task columns, the project key, labels, dependencies."""
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
        "due_at": _optional_time(row["due_at"]),
        "estimate_minutes": row["estimate_minutes"],
        "created_at": _rfc3339(row["created_at"]),
        "updated_at": _rfc3339(row["updated_at"]),
        "completed_at": _optional_time(row["completed_at"]),
        "version": row["version"],
        "risk": _risk(row),
        "depends_on": row["depends_on"],
        "state": {"id": row["state_id"], "name": row["state_name"], "category": row["status"]},
        "rank": row["rank"],
        "fields": _fields(row["fields"]),
        "recurrence": (
            None
            if row["recurrence_rule"] is None
            else {"rrule": row["recurrence_rule"], "from": row["recurrence_from"]}
        ),
        "time_spent_minutes": row["time_spent_minutes"],
    }


def _fields(items: list[str]) -> dict[str, Any]:
    """A task's custom field values from their JSON rows, as smarttask answers them."""
    found: dict[str, Any] = {}
    for item in items:
        field_id, kind, key, text, number, day, flag = orjson.loads(item)
        if kind == "multi_select":
            found.setdefault(field_id, []).append(key)
        elif kind in ("text", "url"):
            found[field_id] = text
        elif kind == "number":
            found[field_id] = int(number) if float(number).is_integer() else float(number)
        else:
            found[field_id] = {"date": day, "checkbox": flag}.get(kind, key)
    return found


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"detail": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


async def read_task(request: Request) -> Response:
    """GET /api/v1/tasks/{task_id}."""
    async with _pool(request).acquire() as connection:
        user_id = await _signed_in(request, connection)
        if user_id is None:
            return _unauthorized()
        row = await connection.fetchrow(TASK, user_id, request.path_params["task_id"])
    if row is None or row["member_role"] is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return Response(
        orjson.dumps(_task_body(row)),
        media_type="application/json",
        headers={"ETag": f'"{row["version"]}"'},
    )


def next_cursor(rows: list[asyncpg.Record], limit: int) -> str | None:
    """smarttask's cursor after the last row of a page of `limit` (newest first), if more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    position = ["-created_at", last["sort_value"].isoformat(), last["id"]]
    return base64.urlsafe_b64encode(orjson.dumps({"k": position})).decode().rstrip("=")


async def list_project_tasks(request: Request) -> Response:
    """GET /api/v1/projects/{project_id}/tasks?status=<one status>&limit=<n>, newest first."""
    limit = int(request.query_params.get("limit", "20"))
    status = request.query_params["status"]
    project_id = request.path_params["project_id"]
    async with _pool(request).acquire() as connection:
        user_id = await _signed_in(request, connection)
        if user_id is None:
            return _unauthorized()
        rows = await connection.fetch(TASK_PAGE, user_id, project_id, status, limit + 1)
    if not rows or rows[0]["member_role"] is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    if rows[0]["id"] is None:  # the project has no task on this page
        rows = []
    items = [_task_body(row) for row in rows[:limit]]
    return Response(
        orjson.dumps({"items": items, "next_cursor": next_cursor(rows, limit)}),
        media_type="application/json",
    )


class _NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
    """No reset query when a connection goes back to the pool, as with smarttask's pool.

    asyncpg's pool otherwise sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;` on every release: a round trip per request that smarttask does not make.
    """

    def get_reset_query(self) -> str:
        """Nothing to reset: the statements change no session state."""
        return ""


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the pool at start-up, close it at shutdown."""
    dsn = os.environ.get(DSN_ENV, "postgresql://postgres@127.0.0.1:5432/smarttask_bench")
    # smarttask's own key: configured, or the one development generated into its data folder.
    app.state.jwt_secret = (
        os.environ.get(JWT_SECRET_ENV)
        or os.environ.get("SMARTTASK_SECRET_KEY")
        or load_or_create(os.environ.get("SMARTTASK_DATA_DIR", "./data"))
    )
    # At most BENCH_REFERENCE_POOL_MAX connections (20, as smarttask's pool keeps 20 by default).
    max_size = int(os.environ.get(POOL_MAX_ENV, "20"))
    app.state.pool = await asyncpg.create_pool(
        dsn, min_size=min(10, max_size), max_size=max_size, connection_class=_NoResetConnection
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/api/v1/counters/{name}/increment", increment, methods=["POST"]),
        Route("/api/v1/counters/{name}", read, methods=["GET"]),
        Route("/api/v1/tasks/{task_id}", read_task, methods=["GET"]),
        Route("/api/v1/projects/{project_id}/tasks", list_project_tasks, methods=["GET"]),
    ],
    lifespan=lifespan,
)
