"""All SQL of tasks, labels and dependencies."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.dialect import upsert
from smarttask.db.engine import transaction_reader
from smarttask.db.types import new_id
from smarttask.projects.models import Project
from smarttask.tasks import statements
from smarttask.tasks.capped import capped_count
from smarttask.tasks.models import Label, Task, TaskDependency, TaskLabel
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import OPEN_STATUSES
from smarttask.workspaces.access import visible_to_sql, with_access
from smarttask.workspaces.models import Membership, Workspace


def _dialect(session: AsyncSession) -> str:
    assert session.bind is not None
    return session.bind.dialect.name


_TASK_WITH_KEY = (
    select(Task, Project.key)
    .join(Project, Project.id == Task.project_id)
    .where(Task.id == bindparam("task_id"))
)


async def get(session: AsyncSession, task_id: str) -> tuple[Task, str] | None:
    """A task and its project's key."""
    row = (await session.execute(_TASK_WITH_KEY, {"task_id": task_id})).one_or_none()
    return (row[0], row[1]) if row else None


# A task with its project's key and what decides the caller's access to it
# (`project_access`): the project's visibility, the workspace, the membership.
_TASK_FOR_CALLER = (
    with_access(
        Task,
        Project.key,
        Project.visibility,
        workspace_id=Task.workspace_id,
        project_id=Task.project_id,
    )
    .join(Project, Project.id == Task.project_id)
    .where(Task.id == bindparam("task_id"))
)


async def get_for_caller(
    session: AsyncSession, task_id: str, user_id: str
) -> tuple[Task, str, Workspace, Membership | None, str, bool] | None:
    """A task, its project's key, its workspace, the user's membership, the project's
    visibility and whether the user is one of its project members."""
    params = {"task_id": task_id, "user_id": user_id}
    row = (await session.execute(_TASK_FOR_CALLER, params)).one_or_none()
    return None if row is None else (row[0], row[1], row[3], row[4], row[2], bool(row[5]))


async def get_by_number(
    session: AsyncSession, workspace_id: str, project_key: str, number: int
) -> tuple[Task, str] | None:
    """A task by its key's parts within a workspace."""
    statement = (
        select(Task, Project.key)
        .join(Project, Project.id == Task.project_id)
        .where(
            Project.workspace_id == workspace_id, Project.key == project_key, Task.number == number
        )
    )
    row = (await session.execute(statement)).one_or_none()
    return (row[0], row[1]) if row else None


async def children(
    session: AsyncSession, task_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[tuple[Task, str]]:
    """A task's direct subtasks with their project key, oldest first, after a keyset position."""
    statement = (
        select(Task, Project.key)
        .join(Project, Project.id == Task.project_id)
        .where(Task.parent_id == task_id)
        .order_by(Task.created_at, Task.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Task.created_at, Task.id) > tuple_(*after))
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def depended_on(
    session: AsyncSession,
    task_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    hidden_for: str | None = None,
) -> list[tuple[Task, str, datetime]]:
    """The tasks a task depends on, with their project key and when each dependency was
    added, in that order, after a keyset position (added at, depended-on id).

    `hidden_for`: a member whose hidden private projects' tasks are left out.
    """
    added = TaskDependency.created_at
    statement = (
        select(Task, Project.key, added)
        .join(TaskDependency, TaskDependency.depends_on_id == Task.id)
        .join(Project, Project.id == Task.project_id)
        .where(TaskDependency.task_id == task_id)
        .order_by(added, Task.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(added, Task.id) > tuple_(*after))
    if hidden_for is not None:
        statement = statement.where(visible_to_sql(hidden_for, Project.visibility, Project.id))
    return [(row[0], row[1], row[2]) for row in await session.execute(statement)]


async def list_tasks(
    session: AsyncSession, query: TaskQuery, *, limit: int
) -> list[tuple[Task, str, Any]]:
    """One page of tasks with their project key and sort value, in the query's order."""
    statement = statements.page_statement(query, (Task, Project.key), _dialect(session))
    params = statements.page_params(query, limit)
    return [(row[0], row[1], row[2]) for row in await session.execute(statement, params)]


async def count_by_status(session: AsyncSession, project_id: str) -> dict[str, int]:
    """How many tasks of the project are in each status used (one grouped query)."""
    rows = await session.execute(statements.COUNTS_BY_STATUS, {"project_id": project_id})
    return {str(status): int(count) for status, count in rows}


async def labels_of(session: AsyncSession, task_ids: list[str]) -> dict[str, list[str]]:
    """Label names of each task, for a whole page in one query."""
    found: dict[str, list[str]] = defaultdict(list)
    if not task_ids:
        return found
    statement = statements.labels_of(len(task_ids))
    reader = await transaction_reader(session)
    for row in await reader.fetch_all(statement, statements.ids_params(task_ids)):
        found[row["task_id"]].append(row["name"])
    return found


async def dependencies_of(session: AsyncSession, task_ids: list[str]) -> dict[str, list[str]]:
    """Ids each task depends on, for a whole page in one query."""
    found: dict[str, list[str]] = defaultdict(list)
    if not task_ids:
        return found
    statement = statements.dependencies_of(len(task_ids))
    for task_id, depends_on_id in await session.execute(statement, statements.ids_params(task_ids)):
        found[task_id].append(depends_on_id)
    return found


async def ensure_labels(
    session: AsyncSession, workspace_id: str, names: list[str], now: datetime
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Label ids by name key, creating missing labels race-free; and (id, name) of new ones."""
    if not names:
        return {}, []
    keys = {name.casefold(): name for name in names}
    rows = [
        {
            "id": new_id(),
            "workspace_id": workspace_id,
            "name": name,
            "name_key": key,
            "created_at": now,
        }
        for key, name in keys.items()
    ]
    statement = (
        upsert(session, Label)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["workspace_id", "name_key"])
        .returning(Label.id, Label.name)
    )
    created = [(str(row[0]), str(row[1])) for row in await session.execute(statement)]
    found = await session.execute(
        select(Label.name_key, Label.id).where(
            Label.workspace_id == workspace_id, Label.name_key.in_(list(keys))
        )
    )
    return {str(key): str(label_id) for key, label_id in found}, created


async def set_labels(session: AsyncSession, task_id: str, label_ids: list[str]) -> None:
    """Replace a task's labels.

    A concurrent replacement may insert the same rows first (PostgreSQL): they are skipped
    here, and the task's version check then refuses the later writer with 409, instead of a
    unique violation answering 500.
    """
    await session.execute(delete(TaskLabel).where(TaskLabel.task_id == task_id))
    if label_ids:
        await session.execute(
            upsert(session, TaskLabel).on_conflict_do_nothing(),
            [{"task_id": task_id, "label_id": label_id} for label_id in label_ids],
        )


async def lock_workspace(session: AsyncSession, workspace_id: str) -> None:
    """Serialise structural changes (parents, dependencies) within a workspace."""
    if _dialect(session) == "postgresql":
        await session.execute(
            text("SELECT id FROM workspace WHERE id = :id FOR UPDATE"), {"id": workspace_id}
        )


async def reaches(session: AsyncSession, start: str, target: str, *, via: str) -> bool:
    """Whether `target` is reachable from `start` along dependencies or parent links."""
    if via == "dependency":
        step = "SELECT d.depends_on_id FROM task_dependency d JOIN walk w ON d.task_id = w.id"
        seed = "SELECT depends_on_id FROM task_dependency WHERE task_id = :start"
    else:
        step = (
            "SELECT t.parent_id FROM task t JOIN walk w ON t.id = w.id "
            "WHERE t.parent_id IS NOT NULL"
        )
        seed = "SELECT parent_id FROM task WHERE id = :start AND parent_id IS NOT NULL"
    statement = text(
        f"WITH RECURSIVE walk(id) AS ({seed} UNION {step}) "  # noqa: S608 - fixed fragments
        "SELECT 1 FROM walk WHERE id = :target LIMIT 1"
    )
    found = await session.execute(statement, {"start": start, "target": target})
    return found.first() is not None


async def add_dependency(
    session: AsyncSession, task_id: str, depends_on_id: str, now: datetime
) -> bool:
    """Record a dependency; False if it already existed."""
    statement = (
        upsert(session, TaskDependency)
        .values(task_id=task_id, depends_on_id=depends_on_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["task_id", "depends_on_id"])
        .returning(TaskDependency.task_id)
    )
    return (await session.execute(statement)).first() is not None


async def remove_dependency(session: AsyncSession, task_id: str, depends_on_id: str) -> bool:
    """Drop a dependency; False if there was none."""
    result: Any = await session.execute(
        delete(TaskDependency).where(
            TaskDependency.task_id == task_id, TaskDependency.depends_on_id == depends_on_id
        )
    )
    return bool(result.rowcount)


async def subtree_ids(session: AsyncSession, task_id: str) -> list[str]:
    """The task and all its subtasks, at any depth."""
    statement = text(
        "WITH RECURSIVE tree(id) AS (SELECT CAST(:id AS VARCHAR(36)) UNION "
        "SELECT t.id FROM task t JOIN tree ON t.parent_id = tree.id) SELECT id FROM tree"
    )
    return [row[0] for row in await session.execute(statement, {"id": task_id})]


async def load_many(session: AsyncSession, task_ids: list[str]) -> list[Task]:
    """Tasks by id, as ORM objects to change."""
    if not task_ids:
        return []
    return list((await session.execute(select(Task).where(Task.id.in_(task_ids)))).scalars())


async def delete_tasks(session: AsyncSession, task_ids: list[str]) -> None:
    """Delete tasks; labels links, dependencies and comments go with them (cascade)."""
    await session.execute(delete(Task).where(Task.id.in_(task_ids)))


async def in_state(session: AsyncSession, project_id: str, state_id: str, limit: int) -> list[Task]:
    """Up to `limit` tasks of a state, as ORM objects to change, in column order."""
    statement = (
        select(Task)
        .where(Task.project_id == project_id, Task.state_id == state_id)
        .order_by(Task.rank, Task.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def open_counts(
    session: AsyncSession, project_ids: list[str], now: datetime, cap: int
) -> dict[str, tuple[int, int]]:
    """Each project's open and overdue tasks, each counted up to `cap + 1` (a count past
    `cap` means "more than cap"): one statement, whose cost does not grow past the cap."""
    if not project_ids:
        return {}

    open_ = (Task.project_id == Project.id, Task.status.in_(OPEN_STATUSES))
    statement = select(
        Project.id,
        capped_count(Project, cap, *open_),
        capped_count(Project, cap, *open_, Task.due_at < now),
    ).where(Project.id.in_(project_ids))
    return {str(row[0]): (int(row[1]), int(row[2])) for row in await session.execute(statement)}
