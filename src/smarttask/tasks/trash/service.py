"""Trash rules: listing, restoring, deleting for good, and the purge after the retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import utcnow
from smarttask.history import service as history
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, NotFound
from smarttask.projects import repository as projects
from smarttask.tasks import repository as tasks_repository
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.tasks.scoring import service as risk
from smarttask.tasks.trash import repository, snapshot
from smarttask.tasks.trash.models import TrashedTask
from smarttask.tasks.trash.schemas import DeletedBy, ProjectRef, TrashItem
from smarttask.workspaces import repository as workspaces
from smarttask.workspaces.access import (
    WorkspaceAccess,
    project_filter,
    require_project_role,
    require_role,
)
from smarttask.workspaces.roles import Role

MISSING = "There is no such task in the trash."
_ORDER = "trash"
PURGE_BATCH = 500


def _item(row: tuple[TrashedTask, str | None, str | None, str | None]) -> TrashItem:
    item, project_name, user_name, _ = row
    deleter = DeletedBy(id=item.deleted_by, name=user_name) if item.deleted_by else None
    return TrashItem(
        id=item.id,
        key=item.key,
        title=item.title,
        project=ProjectRef(id=item.project_id, name=project_name),
        deleted_by=deleter,
        deleted_at=item.deleted_at,
        purge_at=item.purge_at,
    )


async def list_page(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[TrashItem]:
    """A workspace's trash, newest first; tasks of projects hidden from the caller left out."""
    rows = await fetch_page(
        created_keyset(cursor, _ORDER),
        limit,
        lambda after, size: repository.page(
            session,
            access.workspace.id,
            visible=project_filter(access),
            after=after,
            limit=size,
        ),
        lambda row: created_cursor(row[0].deleted_at, row[0].id, _ORDER),
    )
    return Page(items=[_item(row) for row in rows.items], next_cursor=rows.next_cursor)


async def _load(session: AsyncSession, user: User, trash_id: str, minimum: Role) -> TrashedTask:
    """A trash row the user may act on with at least `minimum`; 404 or 403 otherwise."""
    item = await repository.get(session, trash_id)
    if item is None:
        raise NotFound(MISSING)
    if await projects.get(session, item.project_id) is None:
        # Its project is gone: only the workspace's role decides (admins see every project).
        await require_role(session, user, item.workspace_id, minimum, missing=MISSING)
    else:
        await require_project_role(
            session, user, item.workspace_id, item.project_id, minimum, missing=MISSING
        )
    return item


async def _unassign_non_members(
    session: AsyncSession, workspace_id: str, todo: snapshot.Plan
) -> None:
    """Clear the assignee of a task whose assignee has left the workspace since."""
    for row in todo.rows.get("task", []):
        assignee = row.get("assignee_id")
        if assignee and await workspaces.get_membership(session, workspace_id, assignee) is None:
            todo.dropped.append(
                {
                    "table": "task",
                    "key": [row["id"]],
                    "reference": {"assignee_id": assignee},
                    "outcome": "cleared",
                }
            )
            row["assignee_id"] = None


async def restore(
    session: AsyncSession, user: User, trash_id: str
) -> tuple[Task, str, list[dict[str, Any]]]:
    """Put a trashed task tree back with its ids, number and key; what was left out.

    Restoring twice, or concurrently, restores once: the trash row is taken first.
    """
    item = await _load(session, user, trash_id, Role.MEMBER)
    if await projects.get(session, item.project_id) is None:
        raise Conflict("This task's project was deleted: it cannot be restored.")
    saved, workspace_id, actor = item.snapshot, item.workspace_id, user.id
    if not await repository.take(session, trash_id):
        raise NotFound(MISSING)
    todo = snapshot.plan(saved)
    await _unassign_non_members(session, workspace_id, todo)
    await snapshot.insert_plan(session, todo)
    ids = [row["id"] for row in todo.rows.get("task", [])]
    now = utcnow()
    await risk.rescore_tasks(session, ids, now)  # scores stored without a version bump
    restored = await tasks_repository.load_many(session, ids)
    await history.remember(session, workspace_id, ids)
    await risk.rescore_dependents(session, ids)
    await risk.assignees_changed(session, workspace_id, [t.assignee_id for t in restored])
    found = await tasks_repository.get(session, trash_id)
    assert found is not None
    for task in restored:
        activity.record(
            session,
            workspace_id=workspace_id,
            project_id=task.project_id,
            actor_id=actor,
            action="restored",
            entity_type="task",
            entity_id=task.id,
            changes={"dropped": {"old": None, "new": todo.dropped}}
            if task.id == trash_id and todo.dropped
            else {},
        )
        tasks.publish(
            session,
            "task.created",
            user,
            task,
            {},
            key=f"{found[1]}-{task.number}",
            description=task.description,
            restored=True,
        )
    return found[0], found[1], todo.dropped


async def delete_forever(session: AsyncSession, user: User, trash_id: str) -> None:
    """Purge one item of the trash now (workspace admins)."""
    item = await _load(session, user, trash_id, Role.ADMIN)
    if not await repository.purge(session, [item.id]):
        raise NotFound(MISSING)
    activity.record(
        session,
        workspace_id=item.workspace_id,
        project_id=item.project_id,
        actor_id=user.id,
        action="purged",
        entity_type="task",
        entity_id=item.id,
        changes=activity.removal({"title": item.title, "key": item.key}),
    )


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Delete for good every trash row past its retention (a batch); how many went.

    Their attachments' stored objects go with the attachment sweep's next run (the rows are
    orphans once the trash no longer holds their task).
    """
    return await repository.purge(session, await repository.expired(session, now, PURGE_BATCH))
