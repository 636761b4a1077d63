"""Task reads without the ORM session: prebuilt statements on one pooled connection.

`GET /tasks/{id}` and the project task list are the hottest reads. On the request's
reader (the connection the caller was looked up on, `UnitOfWork.reader`), they check the
caller's membership in the same statement that loads the task (or the project), load
labels and dependencies for the whole page in one statement each, and build the answer
dicts with tasks/bodies.py, the definition the session path validates as well. The rules
are the session path's: a missing resource and a foreign workspace are the same 404, a
role too low is a 403, the project is checked before the list parameters.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from smarttask.accounts.models import User
from smarttask.db.engine import Reader, RowLike
from smarttask.tasks import statements
from smarttask.tasks.bodies import task_body
from smarttask.tasks.query import TaskQuery, encode_position
from smarttask.workspaces.access import allow
from smarttask.workspaces.roles import Role


def _allow(row: RowLike | None, minimum: Role, missing: str) -> RowLike:
    """The row of a resource the caller's role allows (the access rule); 404 or 403 otherwise."""
    allow(row["member_role"] if row is not None else None, minimum, missing=missing)
    assert row is not None
    return row


async def _bodies(reader: Reader, rows: list[RowLike]) -> list[dict[str, Any]]:
    """Task bodies of rows of TASK_COLUMNS: labels and dependencies in one statement each."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    params = statements.ids_params(ids)
    labels: dict[str, list[str]] = defaultdict(list)
    for row in await reader.fetch_all(statements.labels_of(len(ids)), params):
        labels[row["task_id"]].append(row["name"])
    depends: dict[str, list[str]] = defaultdict(list)
    for row in await reader.fetch_all(statements.dependencies_of(len(ids)), params):
        depends[row["task_id"]].append(row["depends_on_id"])
    return [
        task_body(row, row["project_key"], labels.get(row["id"], ()), depends.get(row["id"], ()))
        for row in rows
    ]


async def read_task(
    reader: Reader, user: User, task_id: str, minimum: Role, *, missing: str
) -> dict[str, Any]:
    """The body of a task the user may read with at least `minimum`; 404 or 403 otherwise."""
    params = {"task_id": task_id, "user_id": user.id}
    row = _allow(await reader.fetch_row(statements.TASK_FOR_MEMBER, params), minimum, missing)
    return (await _bodies(reader, [row]))[0]


async def project_for_member(
    reader: Reader, user: User, project_id: str, minimum: Role, *, missing: str
) -> RowLike:
    """(id, workspace_id, key) of a project the user may act on with `minimum`; 404 or 403."""
    params = {"project_id": project_id, "user_id": user.id}
    return _allow(await reader.fetch_row(statements.PROJECT_FOR_MEMBER, params), minimum, missing)


async def page(reader: Reader, query: TaskQuery, limit: int) -> dict[str, Any]:
    """One page (Page[TaskRead]'s fields) of a query without full-text search."""
    rows = await reader.fetch_all(
        statements.core_page(query), statements.page_params(query, limit + 1)
    )
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = encode_position(query.cursor_tag, last["sort_value"], last["id"])
    return {"items": await _bodies(reader, rows[:limit]), "next_cursor": cursor}
