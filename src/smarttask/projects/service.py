"""Project rules: who may manage them, unique keys, the trail of every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, NotFound
from smarttask.projects import repository
from smarttask.projects.models import Project
from smarttask.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate
from smarttask.workspaces import repository as workspace_repository
from smarttask.workspaces.access import (
    PRIVATE,
    WorkspaceAccess,
    project_access,
)
from smarttask.workspaces.roles import Role

MISSING = "There is no such project."
_FIELDS = ("key", "name", "description", "visibility")
# Fields a PATCH may not empty: `null` leaves them as they are.
_KEPT_WHEN_NULL = ("name", "visibility")


def _values(project: Project) -> dict[str, Any]:
    return {field: getattr(project, field) for field in _FIELDS}


async def create(session: AsyncSession, access: WorkspaceAccess, body: ProjectCreate) -> Project:
    """A new project in the workspace; 409 when its key is taken there."""
    from smarttask.workflow import service as workflow

    if await repository.get_by_key(session, access.workspace.id, body.key) is not None:
        raise Conflict(f"The key {body.key} is already used in this workspace.")
    now = utcnow()
    project = Project(
        id=new_id(),
        workspace_id=access.workspace.id,
        key=body.key,
        name=body.name,
        description=body.description,
        visibility=body.visibility,
        task_counter=0,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict(f"The key {body.key} is already used in this workspace.") from error
    await workflow.create_defaults(session, project.workspace_id, project.id, now)
    activity.record(
        session,
        workspace_id=project.workspace_id,
        project_id=project.id,
        actor_id=access.user.id,
        action="created",
        entity_type="project",
        entity_id=project.id,
        changes=activity.snapshot(_values(project)),
    )
    return project


async def list_in_workspace(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[ProjectRead]:
    """The workspace's projects, oldest first (`access` is a viewer's, checked by the route)."""
    workspace_id = access.workspace.id
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_in_workspace(
            session, workspace_id, after=after, limit=size, hidden_for=access.private_filter_for
        ),
        by_creation,
    )
    return rows.read(ProjectRead.model_validate)


async def load(session: AsyncSession, user: User, project_id: str, minimum: Role) -> Project:
    """A project the user may act on with at least `minimum`; 404 or 403 otherwise."""
    project, _ = await load_with_access(session, user, project_id, minimum)
    return project


async def load_with_access(
    session: AsyncSession, user: User, project_id: str, minimum: Role
) -> tuple[Project, WorkspaceAccess]:
    """`load`, with the caller's access to the project's workspace (its role, its name).

    One statement reads the project and what decides the access (`repository.get_for_caller`).
    """
    found = await repository.get_for_caller(session, project_id, user.id)
    if found is None:
        raise NotFound(MISSING)
    project, workspace, membership, project_member = found
    access = project_access(
        user,
        workspace,
        membership,
        minimum,
        private=project.visibility == PRIVATE,
        project_member=project_member,
        missing=MISSING,
    )
    return project, access


async def update(
    session: AsyncSession, user: User, project: Project, changes: ProjectUpdate
) -> Project:
    """Rename, describe or change the visibility of a project (making it private adds nobody)."""
    before = _values(project)
    for field, value in changes.model_dump(exclude_unset=True).items():
        if field in _KEPT_WHEN_NULL and value is None:
            continue
        setattr(project, field, value)
    changed = activity.diff(before, _values(project))
    if changed:
        project.updated_at = utcnow()
        await session.flush()
        activity.record(
            session,
            workspace_id=project.workspace_id,
            project_id=project.id,
            actor_id=user.id,
            action="updated",
            entity_type="project",
            entity_id=project.id,
            changes=changed,
        )
    return project


async def delete(session: AsyncSession, user: User, project: Project) -> None:
    """Delete a project and everything in it; the trail keeps a record."""
    from smarttask.history import service as history

    activity.record(
        session,
        workspace_id=project.workspace_id,
        project_id=project.id,
        actor_id=user.id,
        action="deleted",
        entity_type="project",
        entity_id=project.id,
        changes=activity.removal(_values(project)),
    )
    tasks = await repository.task_ids(session, project.id)
    now = utcnow()
    await history.forget(session, project.workspace_id, tasks, now)
    if project.visibility == PRIVATE:
        workspace_repository.remember_deleted_private(
            session, project.workspace_id, project.id, now
        )
    await repository.delete_project(session, project.id)
