"""Project members: who, besides the workspace's admins and owners, sees a private project.

A project member is a member of the project's workspace let into that one project (the
`project_member` table, which the access rule in workspaces/access.py reads). Anyone who
sees the project may list its members; only the workspace's admins and owners add and
remove them (a member or viewer who sees the project gets 403, anyone else 404, as if it did
not exist). Membership can be given while the project is still visible to the whole
workspace: it counts from the moment the project is private. Making a project private adds
nobody by itself, and removing someone from the workspace removes them from its projects
(workspaces/service.py).

Every addition and removal writes the trail: entity `project_member`, the project's id, and
the person's id in `changes.user_id`. All SQL of project members is in this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import exists, not_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import utcnow
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, NotFound, ValidationFailed
from smarttask.projects import repository
from smarttask.projects.member_schemas import ProjectMemberRead
from smarttask.projects.models import Project
from smarttask.projects.service import MISSING
from smarttask.workspaces.access import WorkspaceAccess, allow, require_project_role
from smarttask.workspaces.models import Membership, ProjectMember
from smarttask.workspaces.roles import Role

ALREADY = "This person is already a member of the project."
NOT_IN_PROJECT = "This person is not a member of the project."
NOT_IN_WORKSPACE = "Only active members of the project's workspace can be added to it."
ENTITY = "project_member"


class Candidate(NamedTuple):
    """A workspace member who is not in the project yet (the web page's choices)."""

    user_id: str
    name: str
    email: str | None
    role: str


async def open_project(
    session: AsyncSession, user: User, project_id: str, minimum: Role
) -> tuple[Project, WorkspaceAccess]:
    """The project if the caller sees it (else 404), with at least `minimum` (else 403).

    Visibility is decided before the role: a project hidden from a member is a 404 for
    them whatever they ask to do with it, never a 403 that would tell it exists.
    """
    project = await repository.get(session, project_id)
    if project is None:
        raise NotFound(MISSING)
    access = await require_project_role(
        session, user, project.workspace_id, project.id, Role.VIEWER, missing=MISSING
    )
    allow(access.membership.role, minimum, missing=MISSING)
    return project, access


def to_read(member: ProjectMember, user: User) -> ProjectMemberRead:
    """The body of a project member."""
    return ProjectMemberRead(
        user_id=member.user_id, name=user.name, email=user.email, added_at=member.created_at
    )


async def _listed(
    session: AsyncSession, project_id: str, after: tuple[datetime, str] | None, limit: int
) -> list[tuple[ProjectMember, User]]:
    statement = (
        select(ProjectMember, User)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project_id)
        .order_by(ProjectMember.created_at, ProjectMember.user_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            tuple_(ProjectMember.created_at, ProjectMember.user_id) > tuple_(*after)
        )
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def list_members(
    session: AsyncSession, project: Project, cursor: str | None, limit: int
) -> Page[ProjectMemberRead]:
    """The project's members in the order they were added (the caller sees the project)."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: _listed(session, project.id, after, size),
        lambda row: created_cursor(row[0].created_at, row[0].user_id),
    )
    return rows.read(lambda row: to_read(*row))


async def _workspace_member(session: AsyncSession, workspace_id: str, user_id: str) -> User | None:
    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.workspace_id == workspace_id,
            Membership.user_id == user_id,
            User.is_active.is_(True),
        )
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _not_in_workspace() -> ValidationFailed:
    error = {"loc": ["body", "user_id"], "msg": NOT_IN_WORKSPACE, "type": "not_a_member"}
    return ValidationFailed(NOT_IN_WORKSPACE, errors=[error])


async def add(
    session: AsyncSession, access: WorkspaceAccess, project: Project, user_id: str
) -> tuple[ProjectMember, User]:
    """Let a member of the workspace into the project: 422 for anyone else, 409 if in already.

    `access` is an admin's or owner's, checked by the caller (`open_project`).
    """
    user = await _workspace_member(session, project.workspace_id, user_id)
    if user is None:
        raise _not_in_workspace()
    if await session.get(ProjectMember, (project.id, user_id)) is not None:
        raise Conflict(ALREADY)
    member = ProjectMember(project_id=project.id, user_id=user_id, created_at=utcnow())
    session.add(member)
    try:
        await session.flush()
    except IntegrityError as error:  # a concurrent request added them first
        raise Conflict(ALREADY) from error
    _trail(session, access, project, "created", activity.snapshot({"user_id": user_id}))
    return member, user


async def remove(
    session: AsyncSession, access: WorkspaceAccess, project: Project, user_id: str
) -> None:
    """Take someone out of the project (`access`: an admin's, checked by the caller); 404 if
    they are not in it."""
    member = await session.get(ProjectMember, (project.id, user_id))
    if member is None:
        raise NotFound(NOT_IN_PROJECT)
    _trail(session, access, project, "deleted", activity.removal({"user_id": user_id}))
    await session.delete(member)
    await session.flush()


def _trail(
    session: AsyncSession,
    access: WorkspaceAccess,
    project: Project,
    action: activity.Action,
    changes: dict[str, dict[str, object]],
) -> None:
    activity.record(
        session,
        workspace_id=project.workspace_id,
        actor_id=access.user.id,
        action=action,
        entity_type=ENTITY,
        entity_id=project.id,
        changes=changes,
        project_id=project.id,
    )


async def candidates(session: AsyncSession, project: Project, limit: int) -> list[Candidate]:
    """Active workspace members not in the project yet, by name (`limit` of them)."""
    in_project = exists().where(
        ProjectMember.project_id == project.id, ProjectMember.user_id == Membership.user_id
    )
    statement = (
        select(User.id, User.name, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.workspace_id == project.workspace_id,
            User.is_active.is_(True),
            not_(in_project),
        )
        .order_by(User.name, User.id)
        .limit(limit)
    )
    return [Candidate(*row) for row in await session.execute(statement)]
