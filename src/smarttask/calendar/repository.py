"""All SQL of the calendar feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.calendar.models import CalendarFeed
from smarttask.db.dialect import upsert
from smarttask.projects.models import Project
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import OPEN_STATUSES
from smarttask.workspaces.access import visible_project_sql
from smarttask.workspaces.models import Membership, Workspace


async def get_for_user(session: AsyncSession, user_id: str) -> CalendarFeed | None:
    """The user's feed, if one is on."""
    statement = select(CalendarFeed).where(CalendarFeed.user_id == user_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def put(
    session: AsyncSession, *, feed_id: str, user_id: str, token_hash: str, now: datetime
) -> None:
    """Give the user a feed with this token hash, replacing the one they had (one statement,
    so that two concurrent replacements leave exactly one feed: the later one)."""
    values = {"id": feed_id, "token_hash": token_hash, "created_at": now, "last_used_at": None}
    statement = upsert(session, CalendarFeed).values(user_id=user_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


async def delete_for_user(session: AsyncSession, user_id: str) -> None:
    """Remove the user's feed (nothing when there is none)."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user_id))


async def owner_by_hash(session: AsyncSession, token_hash: str) -> Row[Any] | None:
    """(feed id, last use, user id, user's time zone) of the feed with this token hash whose
    user is active and not erased; None otherwise (one statement, on the unique hash)."""
    statement = (
        select(CalendarFeed.id, CalendarFeed.last_used_at, User.id.label("user_id"), User.timezone)
        .join(User, User.id == CalendarFeed.user_id)
        .where(
            CalendarFeed.token_hash == token_hash,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
        )
    )
    return cast("Row[Any] | None", (await session.execute(statement)).first())


async def touch(session: AsyncSession, feed_id: str, now: datetime) -> None:
    """Record that a calendar app fetched the feed."""
    statement = update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_used_at=now)
    await session.execute(statement)


async def dated_open_tasks(session: AsyncSession, user_id: str, limit: int) -> Sequence[Row[Any]]:
    """The open tasks assigned to the user that have a due date, in the workspaces they are
    still a member of and the projects they can see now (a private project only as one of its
    members, or as an admin or owner), soonest due first, at most `limit`, with what an event
    shows.

    One statement; it starts from the index on task (assignee_id, status), joins the
    membership by its primary key and the project and workspace by theirs.
    """
    statement = (
        select(
            Task.id,
            Task.number,
            Task.title,
            Task.status,
            Task.priority,
            Task.due_at,
            Task.updated_at,
            Task.version,
            Project.key.label("project_key"),
            Project.name.label("project_name"),
            Workspace.name.label("workspace_name"),
        )
        .join(
            Membership,
            (Membership.workspace_id == Task.workspace_id) & (Membership.user_id == user_id),
        )
        .join(Project, Project.id == Task.project_id)
        .join(Workspace, Workspace.id == Task.workspace_id)
        .where(
            Task.assignee_id == user_id,
            Task.status.in_(sorted(OPEN_STATUSES)),
            Task.due_at.is_not(None),
            visible_project_sql(Membership.role, Project.visibility, Project.id, user_id),
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    return cast("Sequence[Row[Any]]", (await session.execute(statement)).all())
