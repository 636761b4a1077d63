"""Bare reference for the task-write benchmark: Starlette + asyncpg, smarttask's SQL, no framework.

bench/writes_load.py serves it as bench/tasks_load.py serves bench/reference_app.py (uvicorn,
2 workers, no access log); it answers the read reference's routes too.

Four writes, each running the statements smarttask runs for the same request, in its order
and in its transactions (tests/integration/test_bench_write_reference.py captures smarttask's
statements on PostgreSQL and holds them equal to the lists below, and the bodies alike):

- `POST /api/v1/projects/{id}/tasks` and `POST /api/v1/tasks/{id}/comments` with an
  `Idempotency-Key`: the key's claim (one statement, committed at once; a known key is
  claimed again and its row read in a transaction: a replay, a 409 or a 422), then the
  write with its trail (activity), history facts and aggregates, the answer stored with the
  key, the notifications' reads (the watchers, when they could be told) and the webhooks',
  the event (numbered) and its NOTIFY;
- `PATCH /api/v1/tasks/{id}` with `If-Match`: a title change, or a status change (which also
  moves the task to the end of its new state's column and rescores dependents).

The token is verified as the read reference does (a verified token is remembered) and the
login checked in the database on every request. Only the answers the benchmark asks for are
built (the happy path, a stale `If-Match`, a lost race, a replayed key); a rule smarttask
keeps for other requests (labels, fields, assignees, recurrence, risk of due tasks) is not
copied, since its statements do not run here either.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson
from fractional_indexing import generate_key_between
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import reference_app
from reference_app import (
    PRIORITIES,
    TASK,
    _pool,
    _rfc3339,
    _task_body,
    _unauthorized,
    verified_claims,
)

USER = (
    "SELECT user_account.id, user_account.email, user_account.name, user_account.password_hash, "
    "user_account.is_admin, user_account.is_active, user_account.totp_secret, "
    "user_account.totp_enabled, user_account.totp_last_step, user_account.email_verified, "
    "user_account.timezone, user_account.created_at, user_account.updated_at, "
    "user_account.deleted_at \nFROM user_account \nWHERE user_account.id = $1::VARCHAR AND "
    "user_account.is_active IS true AND (EXISTS (SELECT refresh_token.id \nFROM refresh_token \n"
    "WHERE refresh_token.family_id = $2::VARCHAR AND refresh_token.user_id = $1::VARCHAR AND "
    "refresh_token.revoked_at IS NULL))"
)
IDEMPOTENCY_GET = (
    "SELECT idempotency_key.id, idempotency_key.principal, idempotency_key.key, "
    "idempotency_key.request_hash, idempotency_key.status, idempotency_key.locked_until, "
    "idempotency_key.response_status, idempotency_key.response_headers, "
    "idempotency_key.response_body, idempotency_key.request_id, idempotency_key.created_at, "
    "idempotency_key.expires_at \nFROM idempotency_key \nWHERE idempotency_key.principal = "
    "$1::VARCHAR AND idempotency_key.key = $2::VARCHAR"
)
IDEMPOTENCY_CLAIM = (
    "INSERT INTO idempotency_key (id, principal, key, request_hash, status, locked_until, "
    "request_id, created_at, expires_at) VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, "
    "$4::VARCHAR, $5::VARCHAR, $6::TIMESTAMP WITH TIME ZONE, $7::VARCHAR, "
    "$8::TIMESTAMP WITH TIME ZONE, $9::TIMESTAMP WITH TIME ZONE) ON CONFLICT (principal, key) "
    "DO NOTHING RETURNING idempotency_key.id"
)
IDEMPOTENCY_STORE = (
    "UPDATE idempotency_key SET status=$1::VARCHAR, response_status=$2::INTEGER, "
    "response_headers=$3::JSON, response_body=$4::BYTEA WHERE idempotency_key.id = $5::VARCHAR"
)
# The project with what decides the caller's access (workspace, membership, the caller's
# place among the project's members), in one statement; $1 is the caller, $2 the project.
PROJECT_FOR_WRITE = (
    "SELECT project.id, project.workspace_id, project.key, project.name, project.description, "
    "project.visibility, project.task_counter, project.version, project.created_at, "
    "project.updated_at, workspace.id AS id_1, workspace.name AS name_1, workspace.created_by, "
    "workspace.timezone, workspace.version AS version_1, workspace.created_at AS created_at_1, "
    "workspace.updated_at AS updated_at_1, membership.workspace_id AS workspace_id_1, "
    "membership.user_id, membership.role, membership.created_at AS created_at_2, "
    "membership.updated_at AS updated_at_2, EXISTS (SELECT * \nFROM project_member \n"
    "WHERE project_member.project_id = project.id AND project_member.user_id = $1::VARCHAR) "
    "AS anon_1 \nFROM project JOIN workspace ON workspace.id = project.workspace_id LEFT OUTER "
    "JOIN membership ON membership.workspace_id = project.workspace_id AND "
    "membership.user_id = $1::VARCHAR \nWHERE project.id = $2::VARCHAR"
)
FIRST_STATE = (
    "SELECT workflow_state.id, workflow_state.workspace_id, workflow_state.project_id, "
    "workflow_state.name, workflow_state.name_key, workflow_state.category, "
    "workflow_state.color, workflow_state.position, workflow_state.created_at, "
    "workflow_state.updated_at, workflow_state.version \nFROM workflow_state \n"
    "WHERE workflow_state.project_id = $1::VARCHAR AND workflow_state.category = $2::VARCHAR "
    "ORDER BY workflow_state.position, workflow_state.id \n LIMIT $3::INTEGER"
)
NEXT_NUMBER = (
    "UPDATE project SET task_counter=(project.task_counter + $1::INTEGER) "
    "WHERE project.id = $2::VARCHAR RETURNING project.task_counter"
)
LAST_RANK = (
    "SELECT task.rank \nFROM task \nWHERE task.project_id = $1::VARCHAR AND task.state_id = "
    "$2::VARCHAR ORDER BY task.rank DESC, task.id DESC \n LIMIT $3::INTEGER"
)
_INSERT_COLUMNS = (
    "id, workspace_id, project_id, number, title, description, status, priority, assignee_id, "
    "reporter_id, parent_id, due_at, estimate_minutes, created_at, updated_at, completed_at, "
    "version, reschedule_count, risk_score, risk_level, risk_factors, risk_scored_at, "
    "state_id, rank, recurrence_rule, recurrence_from, recurrence_start, recurrence_of, "
    "time_spent_minutes"
)
_INSERT_TYPES = [
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "INTEGER",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "SMALLINT",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "TZ",
    "INTEGER",
    "TZ",
    "TZ",
    "TZ",
    "INTEGER",
    "INTEGER",
    "FLOAT",
    "VARCHAR",
    "JSON",
    "TZ",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "VARCHAR",
    "TZ",
    "VARCHAR",
    "INTEGER",
]
INSERT_TASK = (
    f"INSERT INTO task ({_INSERT_COLUMNS}) VALUES ("
    + ", ".join(
        f"${n}::{'TIMESTAMP WITH TIME ZONE' if kind == 'TZ' else kind}"
        for n, kind in enumerate(_INSERT_TYPES, 1)
    )
    + ")"
)
ZONE = "SELECT workspace.timezone \nFROM workspace \nWHERE workspace.id = $1::VARCHAR"
FACT = (
    "INSERT INTO task_fact (task_id, version, workspace_id, at, kind, project_id, assignee_id, "
    "status, priority, due_at, estimate_minutes, created_at) VALUES ($1::VARCHAR, $2::INTEGER, "
    "$3::VARCHAR, $4::TIMESTAMP WITH TIME ZONE, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, "
    "$8::VARCHAR, $9::SMALLINT, $10::TIMESTAMP WITH TIME ZONE, $11::INTEGER, "
    "$12::TIMESTAMP WITH TIME ZONE)"
)
_DAY_TYPES = ("VARCHAR", "DATE", "VARCHAR", "VARCHAR", "VARCHAR", *["INTEGER"] * 5, "BIGINT")
_DAY_SUMS = ", ".join(
    f"{c} = (analytics_day.{c} + excluded.{c})"
    for c in ("tasks", "created", "completed", "completed_due", "completed_on_time")
)


def _rows(types: tuple[str, ...], count: int) -> str:
    """`($1::T1, ...), (...)`: `count` rows of bound values, numbered as SQLAlchemy does."""
    width = len(types)
    return ", ".join(
        "(" + ", ".join(f"${row * width + i + 1}::{t}" for i, t in enumerate(types)) + ")"
        for row in range(count)
    )


def analytics_day(rows: int) -> str:
    """The daily aggregates' upsert of `rows` rows."""
    return (
        "INSERT INTO analytics_day (workspace_id, day, project_id, assignee_key, status, tasks, "
        "created, completed, completed_due, completed_on_time, cycle_seconds) VALUES "
        f"{_rows(_DAY_TYPES, rows)} ON CONFLICT (workspace_id, day, project_id, assignee_key, "
        f"status) DO UPDATE SET {_DAY_SUMS}, "
        "cycle_seconds = (analytics_day.cycle_seconds + excluded.cycle_seconds)"
    )


def analytics_now(rows: int) -> str:
    """The current counts' upsert of `rows` rows."""
    return (
        "INSERT INTO analytics_now (workspace_id, project_id, assignee_key, status, tasks) "
        f"VALUES {_rows(('VARCHAR',) * 4 + ('INTEGER',), rows)} ON CONFLICT (workspace_id, "
        "project_id, assignee_key, status) DO UPDATE SET tasks = "
        "(analytics_now.tasks + excluded.tasks)"
    )


ACTIVITY = (
    "INSERT INTO activity (id, workspace_id, actor_id, action, entity_type, entity_id, "
    "project_id, changes, request_id, created_at) VALUES ($1::VARCHAR, $2::VARCHAR, "
    "$3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, $8::JSON, $9::VARCHAR, "
    "$10::TIMESTAMP WITH TIME ZONE)"
)
WATCH = (
    "INSERT INTO task_watch (task_id, user_id, created_at) VALUES ($1::VARCHAR, $2::VARCHAR, "
    "$3::TIMESTAMP WITH TIME ZONE) ON CONFLICT DO NOTHING"
)
WATCHERS = (
    "SELECT task_watch.task_id, task_watch.user_id \nFROM task_watch \n"
    "WHERE task_watch.task_id = $1::VARCHAR"
)
WEBHOOKS = (
    "SELECT webhook.id, webhook.workspace_id, webhook.events, webhook.created_by \n"
    "FROM webhook \nWHERE webhook.enabled IS true AND webhook.workspace_id = $1::VARCHAR "
    "ORDER BY webhook.id"
)
EVENT_NUMBER = (
    "INSERT INTO event_stream (stream, last_seq) VALUES ($1::VARCHAR, $2::BIGINT) ON CONFLICT "
    "(stream) DO UPDATE SET last_seq = (event_stream.last_seq + $3::BIGINT) "
    "RETURNING event_stream.last_seq"
)
EVENT = (
    "INSERT INTO event (stream, seq, id, type, workspace_id, project_id, actor_id, data, "
    "created_at) VALUES ($1::VARCHAR, $2::BIGINT, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, "
    "$6::VARCHAR, $7::VARCHAR, $8::JSONB, $9::TIMESTAMP WITH TIME ZONE)"
)
NOTIFY = "SELECT pg_notify($1, payload) FROM unnest(CAST($2::VARCHAR[] AS text[])) AS payload"
# The task with what decides the caller's access (workspace, membership, the project's
# privacy), in one statement; $1 is the caller, $2 the task.
TASK_FOR_WRITE = (
    "SELECT task.id, task.workspace_id, task.project_id, task.number, task.title, "
    "task.description, task.status, task.priority, task.assignee_id, task.reporter_id, "
    "task.parent_id, task.due_at, task.estimate_minutes, task.created_at, task.updated_at, "
    "task.completed_at, task.version, task.reschedule_count, task.risk_score, task.risk_level, "
    "task.risk_factors, task.risk_scored_at, task.state_id, task.rank, task.recurrence_rule, "
    "task.recurrence_from, task.recurrence_start, task.recurrence_of, task.time_spent_minutes, "
    "project.key, project.visibility, workspace.id AS id_1, workspace.name, "
    "workspace.created_by, workspace.timezone, workspace.version AS version_1, "
    "workspace.created_at AS created_at_1, workspace.updated_at AS updated_at_1, "
    "membership.workspace_id AS workspace_id_1, membership.user_id, membership.role, "
    "membership.created_at AS created_at_2, membership.updated_at AS updated_at_2, "
    "EXISTS (SELECT * \nFROM project_member \nWHERE project_member.project_id = "
    "task.project_id AND project_member.user_id = $1::VARCHAR) AS anon_1 \nFROM task JOIN "
    "workspace ON workspace.id = task.workspace_id LEFT OUTER JOIN membership ON "
    "membership.workspace_id = task.workspace_id AND membership.user_id = $1::VARCHAR JOIN "
    "project ON project.id = task.project_id \nWHERE task.id = $2::VARCHAR"
)
DEPENDENTS = (
    "SELECT DISTINCT task_dependency.task_id \nFROM task_dependency JOIN task ON task.id = "
    "task_dependency.task_id \nWHERE task_dependency.depends_on_id IN ($1::VARCHAR) AND "
    "task.status IN ($2::VARCHAR, $3::VARCHAR) AND task.due_at IS NOT NULL"
)
COMMENT = (
    "INSERT INTO comment (id, task_id, workspace_id, author_id, body, version, created_at, "
    "updated_at) VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, "
    "$6::INTEGER, $7::TIMESTAMP WITH TIME ZONE, $8::TIMESTAMP WITH TIME ZONE)"
)


_UPDATED = ("title", "status", "updated_at", "version", "state_id", "rank")  # table order


def update_task(columns: tuple[str, ...]) -> str:
    """smarttask's versioned UPDATE of the changed `columns` (with updated_at and version),
    their values bound in the table's column order (`_UPDATED`)."""
    types = {"updated_at": "TIMESTAMP WITH TIME ZONE", "version": "INTEGER"}
    named = [c for c in _UPDATED if c in (*columns, "updated_at", "version")]
    sets = ", ".join(f"{c}=${i}::{types.get(c, 'VARCHAR')}" for i, c in enumerate(named, 1))
    n = len(named)
    where = f"task.id = ${n + 1}::VARCHAR AND task.version = ${n + 2}::INTEGER"
    return f"UPDATE task SET {sets} WHERE {where}"


# What a write's own statements are, in smarttask's order (the trail of the transaction;
# the key's claim comes before for the POSTs). Held equal to smarttask's by the test.
NOTIFY_TAIL = (WEBHOOKS, EVENT_NUMBER, EVENT, NOTIFY)
IDEMPOTENT_HEAD = (IDEMPOTENCY_CLAIM,)
STATEMENTS = {
    "task create": (
        *IDEMPOTENT_HEAD,
        *("BEGIN", USER, PROJECT_FOR_WRITE, FIRST_STATE, NEXT_NUMBER, LAST_RANK, INSERT_TASK),
        *(ZONE, FACT, analytics_day(1), analytics_now(1), ACTIVITY, TASK, IDEMPOTENCY_STORE),
        *(WATCH, *NOTIFY_TAIL, "COMMIT"),
    ),
    "task update": (
        *("BEGIN", USER, TASK_FOR_WRITE, update_task(("title",)), ACTIVITY),
        *(TASK, *NOTIFY_TAIL, "COMMIT"),
    ),
    "comment create": (
        *IDEMPOTENT_HEAD,
        *("BEGIN", USER, TASK_FOR_WRITE, COMMENT, ACTIVITY, IDEMPOTENCY_STORE),
        *(WATCHERS, *NOTIFY_TAIL, "COMMIT"),
    ),
    "status change": (
        *("BEGIN", USER, TASK_FOR_WRITE, FIRST_STATE, LAST_RANK),
        update_task(("status", "state_id", "rank")),
        *(ZONE, FACT, analytics_day(2), analytics_now(2), DEPENDENTS, ACTIVITY, TASK),
        *(WATCHERS, *NOTIFY_TAIL, "COMMIT"),
    ),
}
_LEASE = timedelta(seconds=60)


class LostRace(Exception):
    """The task's version moved between its read and its update."""


_TTL = timedelta(hours=24)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z).decode()


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _history(
    connection: asyncpg.Connection, task: dict[str, Any], kind: str, moves: list[tuple[str, int]]
) -> None:
    """The history's fact and the aggregates' changes of a task (status, +1 or -1)."""
    ws = task["workspace_id"]
    zone = ZoneInfo(await connection.fetchval(ZONE, ws) or "UTC")
    await connection.execute(
        FACT,
        task["id"],
        task["version"],
        ws,
        task["updated_at"],
        kind,
        task["project_id"],
        task["assignee_id"],
        task["status"],
        task["priority"],
        task["due_at"],
        task["estimate_minutes"],
        task["created_at"],
    )
    day = task["updated_at"].astimezone(zone).date()
    created = 1 if kind == "created" else 0
    key = task["assignee_id"] or ""
    days: list[Any] = []
    now: list[Any] = []
    for status, step in sorted(moves):  # in key order, as smarttask (no deadlock between two)
        days += [ws, day, task["project_id"], key, status, step, created, 0, 0, 0, 0]
        now += [ws, task["project_id"], key, status, step]
    await connection.execute(analytics_day(len(moves)), *days)
    await connection.execute(analytics_now(len(moves)), *now)


async def _trail(
    connection: asyncpg.Connection,
    request: Request,
    claims: dict[str, Any],
    entity: tuple[str, str, str],
    where: tuple[str, str],
    changes: dict[str, Any],
    at: datetime,
) -> None:
    """The activity entry of a change."""
    action, kind, entity_id = entity
    await connection.execute(
        ACTIVITY,
        str(uuid.uuid4()),
        where[0],
        claims["sub"],
        action,
        kind,
        entity_id,
        where[1],
        _json(changes),
        request.headers.get("x-request-id") or uuid.uuid4().hex,
        at,
    )


async def _reactions(
    connection: asyncpg.Connection,
    task_id: str,
    watchers: bool,
    event: tuple[str, dict[str, Any]],
    claims: dict[str, Any],
    where: tuple[str, str],
) -> None:
    """The watchers of a re-statused or commented task (the actor only: nobody is told, so
    nothing more is read for notifications), webhooks, the event, NOTIFY."""
    if watchers:
        await connection.fetch(WATCHERS, task_id)
    await connection.fetch(WEBHOOKS, where[0])
    stream = f"w:{where[0]}"
    seq = await connection.fetchval(EVENT_NUMBER, stream, 1, 1)
    kind, data = event
    now = datetime.now(UTC)
    await connection.execute(
        EVENT, stream, seq, str(uuid.uuid4()), kind, where[0], where[1], claims["sub"],
        _json(data), now,
    )  # fmt: skip
    await connection.execute(NOTIFY, "smarttask_events", [f"{stream} {seq}"])


def _event_task(task: dict[str, Any]) -> dict[str, Any]:
    """What a task event says of the task."""
    names = ("id", "workspace_id", "project_id", "number", "title", "status", "state_id")
    found = {name: task[name] for name in names}
    found["priority"] = PRIORITIES[task["priority"]]
    for name in ("assignee_id", "reporter_id", "parent_id", "due_at", "version", "updated_at"):
        found[name] = task[name]
    return found


async def _idempotent(
    request: Request, connection: asyncpg.Connection, claims: dict[str, Any], body: bytes
) -> tuple[Response | None, str | None]:
    """(a replayed or refused answer, None) or (None, the claim's id) for a keyed POST."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None, None
    principal = f"user:{claims['sub']}"
    digest = hmac.new(request.app.state.jwt_secret.encode(), digestmod=hashlib.sha256)
    for part in (b"POST", request.url.path.encode(), request.url.query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    fingerprint = digest.hexdigest()
    now = datetime.now(UTC)
    claim = (
        principal, key, fingerprint, "running",
        now + _LEASE, request.headers.get("x-request-id"), now, now + _TTL,
    )  # fmt: skip
    # A new key: one statement, committed at once; a known one: claimed again and read in a
    # transaction (smarttask's `claim`).
    claim_id = await connection.fetchval(IDEMPOTENCY_CLAIM, str(uuid.uuid4()), *claim)
    row = None
    if claim_id is None:
        async with connection.transaction():
            claim_id = await connection.fetchval(IDEMPOTENCY_CLAIM, str(uuid.uuid4()), *claim)
            if claim_id is None:
                row = await connection.fetchrow(IDEMPOTENCY_GET, principal, key)
    if row is not None:
        if row["request_hash"] != fingerprint:
            return _problem(422, "This Idempotency-Key was used with a different request."), None
        if row["status"] != "done":
            return _problem(409, "A request with this key is still being processed."), None
        headers = orjson.loads(row["response_headers"])
        replay = Response(row["response_body"], row["response_status"], headers=headers)
        replay.headers["idempotent-replayed"] = "true"
        return replay, None
    return None, claim_id


async def _answer(
    connection: asyncpg.Connection,
    claim: str | None,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
) -> Response:
    """The JSON answer, stored with the key (same transaction) when the POST had one."""
    content = orjson.dumps(body, option=orjson.OPT_UTC_Z)
    if claim is not None:
        stored = {"content-type": "application/json", **headers}
        await connection.execute(IDEMPOTENCY_STORE, "done", status, _json(stored), content, claim)
    return Response(content, status, headers=headers, media_type="application/json")


async def create_task(request: Request) -> Response:
    """POST /api/v1/projects/{project_id}/tasks with {"title", "priority"?}."""
    claims = verified_claims(request)
    if claims is None:
        return _unauthorized()
    raw = await request.body()
    sent = orjson.loads(raw)
    async with _pool(request).acquire() as connection:
        replay, claim = await _idempotent(request, connection, claims, raw)
        if replay is not None:
            return replay
        async with connection.transaction():
            answer = await _create_task(request, connection, claims, sent, claim)
        if answer.status_code >= 400 and claim is not None:
            await connection.execute("DELETE FROM idempotency_key WHERE id = $1", claim)
        return answer


async def _create_task(
    request: Request,
    connection: asyncpg.Connection,
    claims: dict[str, Any],
    sent: dict[str, Any],
    claim: str | None,
) -> Response:
    """The task's insert with its trail, history and event; the answer."""
    user = await connection.fetchrow(USER, claims["sub"], claims["sid"])
    if user is None:
        return _unauthorized()
    project_id = request.path_params["project_id"]
    project = await connection.fetchrow(PROJECT_FOR_WRITE, claims["sub"], project_id)
    if (refused := _refusal(project, "There is no such project.")) is not None:
        return refused
    state = await connection.fetchrow(FIRST_STATE, project["id"], "todo", 1)
    number = await connection.fetchval(NEXT_NUMBER, 1, project["id"])
    last = await connection.fetchval(LAST_RANK, project["id"], state["id"], 1)
    now = datetime.now(UTC)
    task = {
        "id": str(uuid.uuid4()),
        "workspace_id": project["workspace_id"],
        "project_id": project["id"],
        "number": number,
        "title": sent["title"],
        "description": sent.get("description", ""),
        "status": "todo",
        "priority": PRIORITIES.index(sent.get("priority", "none")),
        "assignee_id": None,
        "reporter_id": claims["sub"],
        "parent_id": None,
        "due_at": None,
        "estimate_minutes": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "state_id": state["id"],
    }
    rank = generate_key_between(last, None)
    await connection.execute(
        INSERT_TASK, task["id"], task["workspace_id"], task["project_id"], number, task["title"],
        task["description"], "todo", task["priority"], None, task["reporter_id"], None, None,
        None, now, now, None, 1, 0, None, None, None, None, state["id"], rank, None, None, None,
        None, 0,
    )  # fmt: skip
    await _history(connection, task, "created", [("todo", 1)])
    snapshot = {
        "project_id": task["project_id"],
        "title": task["title"],
        "description": task["description"],
        "status": "todo",
        "priority": PRIORITIES[task["priority"]],
        "assignee_id": None,
        "parent_id": None,
        "due_at": None,
        "estimate_minutes": None,
        "state_id": state["id"],
        "labels": [],
        "recurrence": None,
    }
    changes = {name: {"old": None, "new": value} for name, value in snapshot.items()}
    where = (task["workspace_id"], task["project_id"])
    await _trail(connection, request, claims, ("created", "task", task["id"]), where, changes, now)
    row = await connection.fetchrow(TASK, claims["sub"], task["id"])
    headers = {"location": f"/api/v1/tasks/{task['id']}", "etag": '"1"'}
    answer = await _answer(connection, claim, 201, _task_body(row), headers)
    await connection.execute(WATCH, task["id"], claims["sub"], datetime.now(UTC))
    key = f"{project['key']}-{number}"
    data = {"task": _event_task(task), "changes": {}, "key": key, "description": ""}
    await _reactions(connection, task["id"], False, ("task.created", data), claims, where)
    return answer


def _refusal(
    row: asyncpg.Record | None, missing: str = "There is no such task."
) -> Response | None:
    """404 for a task or project the caller does not see (not a member; a private project
    they are not in, unless admin or owner), 403 for a viewer; None when they may write."""
    if row is None or row["role"] is None:
        return _problem(404, missing)
    if row["visibility"] == "private" and not row["anon_1"] and row["role"] not in _SEE_ALL:
        return _problem(404, missing)
    if row["role"] == "viewer":
        return _problem(403, "This needs the member role or higher in this workspace.")
    return None


_SEE_ALL = ("owner", "admin")


async def update_task_route(request: Request) -> Response:
    """PATCH /api/v1/tasks/{task_id} with {"title"} or {"status"} and If-Match."""
    claims = verified_claims(request)
    if claims is None:
        return _unauthorized()
    sent = orjson.loads(await request.body())
    try:
        return await _update_task(request, claims, sent)
    except LostRace:  # raised inside the transaction: rolled back, nothing kept
        return _problem(409, "The task changed meanwhile; retry.")


async def _update_task(request: Request, claims: dict[str, Any], sent: dict[str, Any]) -> Response:
    """The PATCH in one transaction: login, the task with its access, If-Match, the change."""
    async with _pool(request).acquire() as connection, connection.transaction():
        user = await connection.fetchrow(USER, claims["sub"], claims["sid"])
        if user is None:
            return _unauthorized()
        task_id = request.path_params["task_id"]
        row = await connection.fetchrow(TASK_FOR_WRITE, claims["sub"], task_id)
        if (refused := _refusal(row)) is not None:
            return refused
        if request.headers.get("if-match", f'"{row["version"]}"') != f'"{row["version"]}"':
            return _problem(412, "The task changed since you read it (If-Match).")
        return await _update(request, connection, claims, dict(row), sent)


async def _update(
    request: Request,
    connection: asyncpg.Connection,
    claims: dict[str, Any],
    task: dict[str, Any],
    sent: dict[str, Any],
) -> Response:
    """A title or status change with its trail (and history, for a status), event, answer."""
    now = datetime.now(UTC)
    before = dict(task)
    changes: dict[str, Any] = {}
    columns: tuple[str, ...] = ()
    if "status" in sent and sent["status"] != task["status"]:
        state = await connection.fetchrow(FIRST_STATE, task["project_id"], sent["status"], 1)
        rank = generate_key_between(
            await connection.fetchval(LAST_RANK, task["project_id"], state["id"], 1), None
        )
        task.update(status=sent["status"], state_id=state["id"], rank=rank)
        changes = {
            "status": {"old": before["status"], "new": task["status"]},
            "state_id": {"old": before["state_id"], "new": task["state_id"]},
        }
        columns = ("status", "state_id") + (("rank",) if rank != before["rank"] else ())
    if "title" in sent and sent["title"] != task["title"]:
        task["title"] = sent["title"]
        changes = {"title": {"old": before["title"], "new": task["title"]}}
        columns = ("title",)
    where = (task["workspace_id"], task["project_id"])
    if changes:
        task.update(updated_at=now, version=task["version"] + 1)
        values = [task[c] for c in _UPDATED if c in (*columns, "updated_at", "version")]
        done = await connection.execute(
            update_task(columns), *values, task["id"], before["version"]
        )
        if done != "UPDATE 1":
            raise LostRace  # a concurrent change won: nothing of this one is kept
        if "status" in changes:
            moves = [(task["status"], 1), (before["status"], -1)]
            await _history(connection, task, "changed", moves)
            await connection.fetch(DEPENDENTS, task["id"], "todo", "in_progress")
        entity = ("updated", "task", task["id"])
        await _trail(connection, request, claims, entity, where, changes, now)
    row = await connection.fetchrow(TASK, claims["sub"], task["id"])
    answer = await _answer(connection, None, 200, _task_body(row), {"etag": f'"{row["version"]}"'})
    if changes:
        event = ("task.updated", {"task": _event_task(task), "changes": changes})
        await _reactions(connection, task["id"], "status" in changes, event, claims, where)
    return answer


async def create_comment(request: Request) -> Response:
    """POST /api/v1/tasks/{task_id}/comments with {"body"}."""
    claims = verified_claims(request)
    if claims is None:
        return _unauthorized()
    raw = await request.body()
    text = orjson.loads(raw)["body"]
    async with _pool(request).acquire() as connection:
        replay, claim = await _idempotent(request, connection, claims, raw)
        if replay is not None:
            return replay
        async with connection.transaction():
            user = await connection.fetchrow(USER, claims["sub"], claims["sid"])
            task_id = request.path_params["task_id"]
            task = await connection.fetchrow(TASK_FOR_WRITE, claims["sub"], task_id)
            if user is None:
                return _unauthorized()
            if (refused := _refusal(task)) is not None:
                return refused
            now = datetime.now(UTC)
            comment_id = str(uuid.uuid4())
            values = (
                comment_id,
                task["id"],
                task["workspace_id"],
                claims["sub"],
                text,
                1,
                now,
                now,
            )
            await connection.execute(COMMENT, *values)
            where = (task["workspace_id"], task["project_id"])
            changes = {
                "task_id": {"old": None, "new": task["id"]},
                "body": {"old": None, "new": text},
            }
            entity = ("created", "comment", comment_id)
            await _trail(connection, request, claims, entity, where, changes, now)
            body = {
                "id": comment_id,
                "task_id": task["id"],
                "author_id": claims["sub"],
                "body": text,
                "version": 1,
                "created_at": _rfc3339(now),
                "updated_at": _rfc3339(now),
            }
            headers = {"location": f"/api/v1/comments/{comment_id}", "etag": '"1"'}
            answer = await _answer(connection, claim, 201, body, headers)
            summary = {k: body[k] for k in ("id", "task_id", "author_id", "body")}
            data = {
                "comment": {**summary, "created_at": now, "updated_at": now},
                "task": {k: task[k] for k in ("id", "project_id", "number", "title")},
            }
            event = ("comment.created", data)
            await _reactions(connection, task["id"], True, event, claims, where)
        return answer


app = reference_app.app
app.router.routes += [
    Route("/api/v1/projects/{project_id}/tasks", create_task, methods=["POST"]),
    Route("/api/v1/tasks/{task_id}", update_task_route, methods=["PATCH"]),
    Route("/api/v1/tasks/{task_id}/comments", create_comment, methods=["POST"]),
]
