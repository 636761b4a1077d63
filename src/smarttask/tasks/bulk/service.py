"""Bulk edit rules: every task checked first, then each changed by the tasks service.

All or nothing: the request's one transaction rolls back on the first refusal, so a
missing or foreign task (404), a forbidden one (403) or an invalid change (422) leaves
every task as it was.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.tasks import repository as tasks_repository
from smarttask.tasks import service as tasks
from smarttask.tasks.bulk import repository
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import TaskRead, TaskUpdate
from smarttask.workspaces.access import require_project_role
from smarttask.workspaces.roles import Role


async def _load_all(session: AsyncSession, user: User, task_ids: list[str]) -> list[Task]:
    """The tasks in the order asked, all of which the user may change; 404 before 403."""
    found = await repository.get_many(session, task_ids)
    if len(found) != len(task_ids):
        raise NotFound(tasks.MISSING)
    projects = {(t.workspace_id, t.project_id) for t, _ in found.values()}
    for minimum in (Role.VIEWER, Role.MEMBER):  # what is hidden answers before what is denied
        for workspace_id, project_id in sorted(projects):
            await require_project_role(
                session, user, workspace_id, project_id, minimum, missing=tasks.MISSING
            )
    return [found[i][0] for i in task_ids]


def _refused(task: Task, error: ValidationFailed) -> ValidationFailed:
    """The change refused for one task, naming it."""
    errors = [
        {**e, "loc": ["body", "changes", *list(e.get("loc", []))[1:]]} for e in error.errors or []
    ]
    return ValidationFailed(f"Task {task.id}: {error.detail}", errors=errors)


async def update(
    session: AsyncSession, user: User, task_ids: list[str], changes: TaskUpdate
) -> list[TaskRead]:
    """Apply one partial change to every task (one activity entry and one event each)."""
    loaded = await _load_all(session, user, task_ids)
    for task in loaded:
        try:
            await tasks.update(session, user, task, changes)
        except ValidationFailed as error:
            raise _refused(task, error) from error
    keys = await repository.get_many(session, task_ids)  # keys change when tasks move
    return await tasks.to_read(session, [(task, keys[task.id][1]) for task in loaded])


async def delete(
    session: AsyncSession, user: User, task_ids: list[str], retention_days: int
) -> None:
    """Move every task (with its subtasks) to the trash; a subtask of another goes with it."""
    loaded = await _load_all(session, user, task_ids)
    trees = {task.id: await tasks_repository.subtree_ids(session, task.id) for task in loaded}
    inside = {i for root, tree in trees.items() for i in tree if i != root}
    for task in loaded:
        if task.id not in inside:
            await tasks.delete(session, user, task, retention_days)
