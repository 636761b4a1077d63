"""Writing the trail: every service that changes something calls `record`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity.models import Activity
from smarttask.db.types import new_id, utcnow
from smarttask.kit.context import current_request_id

Action = Literal["created", "updated", "deleted", "restored", "purged"]
# The task table, read without importing the tasks package (a layer above).
_TASK = table("task", column("id"), column("project_id"))
# Task ids a statement names at most (bound parameters stay under every driver's limit).
_ID_PAGE = 500


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value changed, as {field: {"old": ..., "new": ...}}."""
    return {
        field: {"old": _json(before.get(field)), "new": _json(value)}
        for field, value in after.items()
        if before.get(field) != value
    }


def snapshot(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A created entity's fields as changes from nothing."""
    return {field: {"old": None, "new": _json(value)} for field, value in values.items()}


def removal(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A deleted entity's last fields as changes to nothing."""
    return {field: {"old": _json(value), "new": None} for field, value in values.items()}


def record(
    session: AsyncSession,
    *,
    workspace_id: str,
    actor_id: str | None,
    action: Action,
    entity_type: str,
    entity_id: str,
    changes: dict[str, Any],
    project_id: str | None = None,
    task_id: str | None = None,
) -> Activity:
    """Add one entry to the trail, in the caller's transaction.

    `project_id` is the project the entity belongs to; `task_id` names it through a task
    instead (its project is looked up in the INSERT itself).
    """
    project: Any = project_id
    if project is None and task_id is not None:
        project = select(_TASK.c.project_id).where(_TASK.c.id == task_id).scalar_subquery()
    entry = Activity(
        id=new_id(),
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes,
        project_id=project,
        request_id=current_request_id(),
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


async def record_for_tasks(
    session: AsyncSession,
    *,
    workspace_id: str,
    actor_id: str | None,
    action: Action,
    changes: dict[str, dict[str, Any]],
) -> None:
    """Add one "task" entry per task of `changes` (task id -> its changes) at once: their
    projects in one read, the entries in one multi-row insert (an admin's change that
    touches many tasks, such as a custom field's option removed)."""
    if not changes:
        return
    ids = sorted(changes)
    projects: dict[str, str] = {}
    for start in range(0, len(ids), _ID_PAGE):
        statement = select(_TASK.c.id, _TASK.c.project_id).where(
            _TASK.c.id.in_(ids[start : start + _ID_PAGE])
        )
        projects |= {row.id: row.project_id for row in await session.execute(statement)}
    now, request_id = utcnow(), current_request_id()
    rows = [
        {
            "id": new_id(),
            "workspace_id": workspace_id,
            "actor_id": actor_id,
            "action": action,
            "entity_type": "task",
            "entity_id": task_id,
            "changes": changes[task_id],
            "project_id": projects.get(task_id),
            "request_id": request_id,
            "created_at": now,
        }
        for task_id in ids
    ]
    await session.execute(insert(Activity), rows)
