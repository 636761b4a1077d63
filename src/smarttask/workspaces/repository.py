"""All SQL of workspaces and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, column, delete, exists, func, select, table, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.workspaces.models import DeletedPrivateProject, Membership, ProjectMember, Workspace

_WITH_MEMBERSHIP = (
    select(Workspace, Membership)
    .join(Membership, Membership.workspace_id == Workspace.id)
    .where(Workspace.id == bindparam("workspace_id"), Membership.user_id == bindparam("user_id"))
)


async def get_with_membership(
    session: AsyncSession, workspace_id: str, user_id: str
) -> tuple[Workspace, Membership] | None:
    """The workspace and the user's membership in it, in one query."""
    params = {"workspace_id": workspace_id, "user_id": user_id}
    row = (await session.execute(_WITH_MEMBERSHIP, params)).one_or_none()
    return (row[0], row[1]) if row else None


async def list_for_user(
    session: AsyncSession, user_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[tuple[Workspace, Membership]]:
    """The user's workspaces with their role, in creation order after a keyset position."""
    statement = (
        select(Workspace, Membership)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.created_at, Workspace.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Workspace.created_at, Workspace.id) > tuple_(*after))
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def get_membership(
    session: AsyncSession, workspace_id: str, user_id: str
) -> Membership | None:
    """One membership."""
    return await session.get(Membership, (workspace_id, user_id))


async def list_members(
    session: AsyncSession, workspace_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[tuple[Membership, User]]:
    """Members with their user, in joining order after a keyset position."""
    statement = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at, Membership.user_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            tuple_(Membership.created_at, Membership.user_id) > tuple_(*after)
        )
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def count_created_by(session: AsyncSession, user_id: str) -> int:
    """How many existing workspaces count against the user's limits (made by them)."""
    statement = select(func.count()).select_from(Workspace).where(Workspace.created_by == user_id)
    return int((await session.execute(statement)).scalar_one())


async def count_owners(session: AsyncSession, workspace_id: str, *, lock: bool = False) -> int:
    """How many owners the workspace has (locking their rows on PostgreSQL when asked)."""
    statement: Any = select(Membership.user_id).where(
        Membership.workspace_id == workspace_id, Membership.role == "owner"
    )
    if lock:
        statement = statement.with_for_update()
    rows = (await session.execute(statement)).all()
    return len(rows)


async def delete_workspace(session: AsyncSession, workspace_id: str) -> None:
    """Delete a workspace; what hangs off it goes with it (ON DELETE CASCADE)."""
    await session.execute(delete(Membership).where(Membership.workspace_id == workspace_id))
    await session.execute(delete(Workspace).where(Workspace.id == workspace_id))


# The projects of a workspace, by the project table's name only (a layer above).
_WORKSPACE_PROJECT = table("project", column("id"), column("workspace_id"))


async def leave_projects(session: AsyncSession, workspace_id: str, user_id: str) -> list[str]:
    """Take the user out of every project of the workspace; the ids of those projects."""
    in_workspace = select(_WORKSPACE_PROJECT.c.id).where(
        _WORKSPACE_PROJECT.c.workspace_id == workspace_id
    )
    mine = (ProjectMember.user_id == user_id, ProjectMember.project_id.in_(in_workspace))
    left = list((await session.execute(select(ProjectMember.project_id).where(*mine))).scalars())
    if left:
        await session.execute(
            delete(ProjectMember).where(*mine).execution_options(synchronize_session=False)
        )
    return left


# The project and task tables, read without importing their packages (layers above).
PROJECT = table("project", column("id"), column("visibility"))
_TASK = table("task", column("id"), column("project_id"))


def remember_deleted_private(
    session: AsyncSession, workspace_id: str, project_id: str, when: datetime
) -> None:
    """Note that a private project is being deleted (its trail stays hidden)."""
    session.add(
        DeletedPrivateProject(project_id=project_id, workspace_id=workspace_id, deleted_at=when)
    )


async def project_privacy(
    session: AsyncSession,
    user_id: str,
    *,
    project_id: str | None = None,
    task_id: str | None = None,
) -> tuple[bool, bool]:
    """(whether the project, or the task's project, is private; whether the user is in it)."""
    project: Any = project_id
    if task_id is not None:
        project = select(_TASK.c.project_id).where(_TASK.c.id == task_id).scalar_subquery()
    member = exists().where(ProjectMember.project_id == project, ProjectMember.user_id == user_id)
    statement = select(PROJECT.c.visibility, member).where(PROJECT.c.id == project)
    row = (await session.execute(statement)).first()
    return (row is not None and row[0] == "private", bool(row and row[1]))
