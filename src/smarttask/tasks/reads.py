"""Task reads without the ORM session: one prebuilt statement per request.

`GET /tasks/{id}` and the project task list are the hottest reads. On the request's
reader (the connection the caller was looked up on, `UnitOfWork.reader`), one statement
answers each: the caller's role in the workspace, the task (or the page of tasks with
the project's key) and each task's labels and dependencies, aggregated in SQL
(tasks/statements.py). The answer dicts are built by tasks/bodies.py, the definition the
session path validates as well. The rules are the session path's: a missing resource and
a foreign workspace are the same 404, a role too low is a 403.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.engine import Reader, RowLike, transaction_reader
from smarttask.fields import values as field_values
from smarttask.tasks import field_lists, statements
from smarttask.tasks.bodies import task_body
from smarttask.tasks.query import TaskQuery, encode_position
from smarttask.tasks.schemas import Status
from smarttask.workspaces.access import allow
from smarttask.workspaces.roles import Role


def _listed(value: Any) -> Any:
    """An aggregated list column: a list (PostgreSQL's arrays) or JSON text (SQLite's)."""
    return orjson.loads(value) if isinstance(value, str) else value


def _body(row: RowLike) -> dict[str, Any]:
    """The task body of a row of TASK_READ or of a project page."""
    return task_body(
        row,
        row["project_key"],
        _listed(row["labels"]),
        _listed(row["depends_on"]),
        field_values.decode(_listed(row["fields"])),
    )


async def read_task(
    reader: Reader, user: User, task_id: str, minimum: Role, *, missing: str
) -> dict[str, Any]:
    """The body of a task the user may read with at least `minimum`; 404 or 403 otherwise."""
    params = {"task_id": task_id, "user_id": user.id}
    row = await reader.fetch_row(statements.TASK_READ, params)
    allow(None if row is None else row["member_role"], minimum, missing=missing)
    assert row is not None
    return _body(row)


async def written_task(session: AsyncSession, user: User, task_id: str) -> dict[str, Any]:
    """The body of a task the request just wrote, read in the request's transaction.

    The read path's one statement (labels, dependencies, state and fields aggregated in
    it), instead of one query each and the response model's validation.
    """
    params = {"task_id": task_id, "user_id": user.id}
    row = await (await transaction_reader(session)).fetch_row(statements.TASK_READ, params)
    assert row is not None  # written in this transaction
    return _body(row)


async def project_for_member(
    reader: Reader, user: User, project_id: str, minimum: Role, *, missing: str
) -> RowLike:
    """(id, workspace_id, key) of a project the user may act on with `minimum`; 404 or 403."""
    params = {"project_id": project_id, "user_id": user.id}
    row = await reader.fetch_row(statements.PROJECT_FOR_MEMBER, params)
    allow(None if row is None else row["member_role"], minimum, missing=missing)
    assert row is not None
    return row


async def project_page(
    reader: Reader, user: User, query: TaskQuery, limit: int, minimum: Role, *, missing: str
) -> dict[str, Any]:
    """One page (Page[TaskRead]'s fields) of a project's tasks, without full-text search.

    404 or 403 as `project_for_member`, decided from the same statement's rows.
    """

    async def fetch(part: TaskQuery, size: int) -> list[RowLike]:
        params = statements.page_params(part, size)
        params["user_id"] = user.id
        return list(await reader.fetch_all(statements.core_page(part), params))

    found = await field_lists.phased(query, limit + 1, fetch)
    allow(found[0]["member_role"] if found else None, minimum, missing=missing)
    rows = [row for row in found if row["id"] is not None]
    if not rows:  # the project, no task on this page
        return {"items": [], "next_cursor": None}
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = encode_position(query.cursor_tag, last["sort_value"], last["id"])
    return {"items": [_body(row) for row in rows[:limit]], "next_cursor": cursor}


async def counts_by_status(reader: Reader, project_id: str) -> dict[str, int]:
    """How many tasks of the project are in each status (every status, zeros included).

    The caller's access to the project is checked before (`projects.reads`).
    """
    rows = await reader.fetch_all(statements.COUNTS_BY_STATUS, {"project_id": project_id})
    found = {row["status"]: row["tasks"] for row in rows}
    return {status.value: found.get(status.value, 0) for status in Status}
