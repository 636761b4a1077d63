"""All SQL of projects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, column, delete, select, table, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import transaction_reader
from smarttask.db.prebuilt import table_of
from smarttask.projects.models import Project
from smarttask.workspaces.access import visible_to_sql, with_access
from smarttask.workspaces.models import Membership, Workspace


async def get(session: AsyncSession, project_id: str) -> Project | None:
    """A project by id."""
    return await session.get(Project, project_id)


# A project with what decides the caller's access to it (`project_access`).
_PROJECT_FOR_CALLER = with_access(
    Project, workspace_id=Project.workspace_id, project_id=Project.id
).where(Project.id == bindparam("project_id"))


async def get_for_caller(
    session: AsyncSession, project_id: str, user_id: str
) -> tuple[Project, Workspace, Membership | None, bool] | None:
    """A project, its workspace, the user's membership in it and whether the user is one of
    the project's members."""
    params = {"project_id": project_id, "user_id": user_id}
    row = (await session.execute(_PROJECT_FOR_CALLER, params)).one_or_none()
    return None if row is None else (row[0], row[1], row[2], bool(row[3]))


async def get_by_key(session: AsyncSession, workspace_id: str, key: str) -> Project | None:
    """A project by its key within a workspace."""
    statement = select(Project).where(Project.workspace_id == workspace_id, Project.key == key)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_in_workspace(
    session: AsyncSession,
    workspace_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    hidden_for: str | None = None,
) -> list[Project]:
    """A workspace's projects in creation order, after a keyset position.

    `hidden_for`: a member whose hidden private projects are left out (None: all of them).
    """
    statement = (
        select(Project)
        .where(Project.workspace_id == workspace_id)
        .order_by(Project.created_at, Project.id)
        .limit(limit)
    )
    if hidden_for is not None:
        statement = statement.where(visible_to_sql(hidden_for, Project.visibility, Project.id))
    if after is not None:
        statement = statement.where(tuple_(Project.created_at, Project.id) > tuple_(*after))
    return list((await session.execute(statement)).scalars())


_PROJECT_TABLE = table_of(Project)
_PROJECT = _PROJECT_TABLE.c
# On the table, not the entity: it runs on the transaction's reader (db/engine.py), and a
# loaded Project keeps its counter as it was, as the ORM's update left it before
# (`synchronize_session=False`).
_NEXT_TASK_NUMBER = (
    update(_PROJECT_TABLE)
    .where(_PROJECT.id == bindparam("project_id"))
    .values(task_counter=_PROJECT.task_counter + 1)
    .returning(_PROJECT.task_counter)
)


async def next_task_number(session: AsyncSession, project_id: str) -> int:
    """Take the project's next task number: one atomic UPDATE ... RETURNING, never reused."""
    reader = await transaction_reader(session)
    row = await reader.fetch_row(_NEXT_TASK_NUMBER, {"project_id": project_id})
    assert row is not None, project_id  # the caller holds the project
    return int(row["task_counter"])


# The task table, read without importing the tasks package (a layer above).
_TASK = table("task", column("id"), column("project_id"))


async def task_ids(session: AsyncSession, project_id: str) -> list[str]:
    """The ids of every task of a project."""
    rows = await session.execute(select(_TASK.c.id).where(_TASK.c.project_id == project_id))
    return [str(row[0]) for row in rows]


async def delete_project(session: AsyncSession, project_id: str) -> None:
    """Delete a project; its tasks go with it (ON DELETE CASCADE)."""
    await session.execute(delete(Project).where(Project.id == project_id))
