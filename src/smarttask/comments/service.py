"""Comment rules: members write; authors edit; authors and admins delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.comments import repository
from smarttask.comments.models import Comment
from smarttask.comments.schemas import CommentRead
from smarttask.db.types import new_id, utcnow
from smarttask.events import outbox
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Forbidden, NotFound
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.workspaces.access import check_project, require_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such comment."
NEWEST = "newest"  # the order named in a cursor of the newest-first list


async def list_for_task(
    session: AsyncSession,
    user: User,
    task_id: str,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> Page[CommentRead]:
    """A task's comments, oldest (or newest) first, to its workspace's viewers (else 404)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    return await page_for_task(session, task, cursor, limit, newest_first=newest_first)


async def page_for_task(
    session: AsyncSession,
    task: Task,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> Page[CommentRead]:
    """A task's comments, oldest (or newest) first (its viewers checked by the caller).

    A cursor names its order, so that one of the other order is refused (422), not read
    as a position in this one.
    """
    order = NEWEST if newest_first else None
    rows = await fetch_page(
        created_keyset(cursor, order),
        limit,
        lambda after, size: repository.list_for_task(
            session, task.id, after=after, limit=size, newest_first=newest_first
        ),
        lambda comment: created_cursor(comment.created_at, comment.id, order),
    )
    return rows.read(CommentRead.model_validate)


async def _publish(
    session: AsyncSession, type: str, user: User, comment: Comment, task: Task | None = None
) -> None:
    """Publish a comment event with the task it is on (the change's transaction)."""
    task = task or await session.get(Task, comment.task_id)
    about: dict[str, Any] = {
        "id": comment.task_id,
        "project_id": None,
        "number": None,
        "title": None,
    }
    if task is not None:
        about = {
            "id": task.id,
            "project_id": task.project_id,
            "number": task.number,
            "title": task.title,
        }
    outbox.emit(
        session,
        type,
        {
            "comment": {
                "id": comment.id,
                "task_id": comment.task_id,
                "author_id": comment.author_id,
                "body": comment.body if type != "comment.deleted" else None,
                "created_at": comment.created_at,
                "updated_at": comment.updated_at,
            },
            "task": about,
        },
        workspace_id=comment.workspace_id,
        project_id=about["project_id"],
        actor_id=user.id,
    )


async def create(session: AsyncSession, user: User, task: Task, body: str) -> Comment:
    """Add a comment to a task."""
    now = utcnow()
    comment = Comment(
        id=new_id(),
        task_id=task.id,
        workspace_id=task.workspace_id,
        author_id=user.id,
        body=body,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(comment)
    await session.flush()
    activity.record(
        session,
        workspace_id=task.workspace_id,
        project_id=task.project_id,
        actor_id=user.id,
        action="created",
        entity_type="comment",
        entity_id=comment.id,
        changes=activity.snapshot({"task_id": task.id, "body": body}),
    )
    await _publish(session, "comment.created", user, comment, task)
    return comment


async def load(session: AsyncSession, user: User, comment_id: str) -> tuple[Comment, Role]:
    """A comment of a workspace the user belongs to (404 otherwise), and the user's role."""
    comment = await repository.get(session, comment_id)
    if comment is None:
        raise NotFound(MISSING)
    access = await require_role(session, user, comment.workspace_id, Role.VIEWER, missing=MISSING)
    await check_project(session, access, task_id=comment.task_id, missing=MISSING)
    return comment, access.role


async def edit(
    session: AsyncSession, user: User, comment: Comment, role: Role, body: str
) -> Comment:
    """Change a comment's text: its author only, while a member."""
    if comment.author_id != user.id or not role.at_least(Role.MEMBER):
        raise Forbidden("Only the author of a comment may edit it.")
    if body != comment.body:
        changes = activity.diff({"body": comment.body}, {"body": body})
        comment.body = body
        comment.updated_at = utcnow()
        await session.flush()
        activity.record(
            session,
            workspace_id=comment.workspace_id,
            task_id=comment.task_id,
            actor_id=user.id,
            action="updated",
            entity_type="comment",
            entity_id=comment.id,
            changes=changes,
        )
        await _publish(session, "comment.updated", user, comment)
    return comment


async def delete(session: AsyncSession, user: User, comment: Comment, role: Role) -> None:
    """Delete a comment: its author (while a member) or an admin."""
    own = comment.author_id == user.id and role.at_least(Role.MEMBER)
    if not own and not role.at_least(Role.ADMIN):
        raise Forbidden("Only the author or an admin may delete a comment.")
    activity.record(
        session,
        workspace_id=comment.workspace_id,
        task_id=comment.task_id,
        actor_id=user.id,
        action="deleted",
        entity_type="comment",
        entity_id=comment.id,
        changes=activity.removal({"task_id": comment.task_id, "body": comment.body}),
    )
    await _publish(session, "comment.deleted", user, comment)
    await session.delete(comment)
    await session.flush()
