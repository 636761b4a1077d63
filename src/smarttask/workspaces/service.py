"""Workspace and membership rules: roles, who may grant what, the last-owner rule."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask import securitylog
from smarttask.accounts import repository as accounts_repository
from smarttask.accounts.models import User
from smarttask.accounts.service import normalize_email
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.history import service as history
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, Forbidden, NotFound
from smarttask.workspaces import repository
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.models import Membership, Workspace
from smarttask.workspaces.roles import PRIVILEGED, Role
from smarttask.workspaces.schemas import MemberRead, WorkspaceRead


def to_read(workspace: Workspace, membership: Membership) -> WorkspaceRead:
    """The body of a workspace, with the caller's role in it."""
    return WorkspaceRead.model_validate(
        {
            "id": workspace.id,
            "name": workspace.name,
            "timezone": workspace.timezone,
            "role": membership.role,
            "version": workspace.version,
            "created_at": workspace.created_at,
            "updated_at": workspace.updated_at,
        }
    )


def to_member_read(membership: Membership, user: User) -> MemberRead:
    """The body of a member."""
    return MemberRead.model_validate(
        {
            "user_id": membership.user_id,
            "email": user.email,
            "name": user.name,
            "role": membership.role,
            "created_at": membership.created_at,
            "updated_at": membership.updated_at,
        }
    )


async def list_for_user(
    session: AsyncSession, user: User, cursor: str | None, limit: int
) -> Page[WorkspaceRead]:
    """The user's workspaces with their role, oldest first."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_for_user(session, user.id, after=after, limit=size),
        lambda row: created_cursor(row[0].created_at, row[0].id),
    )
    return rows.read(lambda row: to_read(*row))


async def list_members(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[MemberRead]:
    """The workspace's members, in joining order (`access` is a viewer's, checked by the route)."""
    workspace_id = access.workspace.id
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_members(session, workspace_id, after=after, limit=size),
        lambda row: created_cursor(row[0].created_at, row[0].user_id),
    )
    return rows.read(lambda row: to_member_read(*row))


async def create(
    session: AsyncSession, user: User, name: str, *, max_workspaces: int, timezone: str = "UTC"
) -> tuple[Workspace, Membership]:
    """A new workspace whose creator is its owner; 409 once they made `max_workspaces`.

    The count and the insert run under the user's lock, so concurrent creations cannot
    both pass the check.
    """
    await accounts_repository.lock_user(session, user.id)
    made = await repository.count_created_by(session, user.id)
    if made >= max_workspaces:
        raise Conflict(
            f"You already have {made} workspaces, the most one account may create on this "
            "instance; delete one to create another.",
            extra={"code": "workspace_limit_reached", "limit": max_workspaces},
        )
    now = utcnow()
    workspace = Workspace(
        id=new_id(),
        name=name,
        timezone=timezone,
        created_by=user.id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    membership = Membership(
        workspace_id=workspace.id,
        user_id=user.id,
        role=Role.OWNER.value,
        created_at=now,
        updated_at=now,
    )
    session.add(workspace)
    await session.flush()
    session.add(membership)
    await session.flush()
    _trail(
        session,
        user.id,
        workspace.id,
        "created",
        "workspace",
        workspace.id,
        activity.snapshot({"name": name}),
    )
    _trail(
        session,
        user.id,
        workspace.id,
        "created",
        "member",
        user.id,
        activity.snapshot({"role": Role.OWNER.value}),
    )
    log_member(session, "member.added", user.id, user.id, workspace.id, role=Role.OWNER.value)
    return workspace, membership


def log_member(
    session: AsyncSession,
    event: str,
    actor_id: str,
    member_id: str,
    workspace_id: str,
    **details: str,
) -> None:
    """A membership change in the security log, in the change's transaction."""
    securitylog.record(
        session,
        event,
        actor_id=actor_id,
        target_id=member_id,
        details={"workspace_id": workspace_id, **details},
    )


def _trail(
    session: AsyncSession,
    actor_id: str,
    workspace_id: str,
    action: activity.Action,
    entity_type: str,
    entity_id: str,
    changes: dict[str, dict[str, object]],
) -> None:
    activity.record(
        session,
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes,
    )


async def update(
    session: AsyncSession, access: WorkspaceAccess, name: str | None, timezone: str | None = None
) -> Workspace:
    """Rename the workspace or change its time zone (its analytics are recounted in the new one)."""
    workspace = access.workspace
    before = {"name": workspace.name, "timezone": workspace.timezone}
    after = {"name": name or workspace.name, "timezone": timezone or workspace.timezone}
    changes = activity.diff(before, after)
    if not changes:
        return workspace
    workspace.name, workspace.timezone = after["name"], after["timezone"]
    workspace.updated_at = utcnow()
    await session.flush()
    if "timezone" in changes:
        await history.rebuild(session, workspace.id)
    _trail(session, access.user.id, workspace.id, "updated", "workspace", workspace.id, changes)
    return workspace


async def delete(session: AsyncSession, access: WorkspaceAccess) -> None:
    """Delete the workspace and everything in it; the trail keeps a record."""
    workspace = access.workspace
    _trail(
        session,
        access.user.id,
        workspace.id,
        "deleted",
        "workspace",
        workspace.id,
        activity.removal({"name": workspace.name}),
    )
    await repository.delete_workspace(session, workspace.id)


def _check_grant(actor: Role, *roles: Role) -> None:
    if any(role in PRIVILEGED for role in roles) and actor is not Role.OWNER:
        raise Forbidden("Only owners may grant, change or remove the admin and owner roles.")


async def _ensure_another_owner(session: AsyncSession, workspace_id: str) -> None:
    if await repository.count_owners(session, workspace_id, lock=True) <= 1:
        raise Conflict("A workspace needs an owner: make someone else owner first.")


async def add_member(
    session: AsyncSession, access: WorkspaceAccess, email: str, role: Role
) -> tuple[Membership, User]:
    """Add an existing, active user with a role."""
    _check_grant(access.role, role)
    user = await accounts_repository.get_user_by_email(session, normalize_email(email))
    if user is None or not user.is_active:
        raise NotFound("There is no active user with this email.")
    already = "This user is already a member of the workspace."
    membership = await join(session, access.workspace.id, user.id, role.value, already)
    _trail(
        session,
        access.user.id,
        access.workspace.id,
        "created",
        "member",
        user.id,
        activity.snapshot({"role": role.value}),
    )
    log_member(
        session, "member.added", access.user.id, user.id, access.workspace.id, role=role.value
    )
    return membership, user


async def join(
    session: AsyncSession, workspace_id: str, user_id: str, role: str, already: str
) -> Membership:
    """Make the user a member with the role; 409 with `already` when they are one."""
    if await repository.get_membership(session, workspace_id, user_id) is not None:
        raise Conflict(already)
    now = utcnow()
    membership = Membership(
        workspace_id=workspace_id, user_id=user_id, role=role, created_at=now, updated_at=now
    )
    session.add(membership)
    try:
        await session.flush()
    except IntegrityError as error:  # a concurrent request made them a member first
        raise Conflict(already) from error
    return membership


async def _member(
    session: AsyncSession, workspace_id: str, user_id: str
) -> tuple[Membership, User]:
    membership = await repository.get_membership(session, workspace_id, user_id)
    user = await accounts_repository.get_user(session, user_id) if membership else None
    if membership is None or user is None:
        raise NotFound("There is no such member in this workspace.")
    return membership, user


async def change_role(
    session: AsyncSession, access: WorkspaceAccess, user_id: str, role: Role
) -> tuple[Membership, User]:
    """Change a member's role; the last owner cannot be demoted."""
    membership, user = await _member(session, access.workspace.id, user_id)
    current = Role(membership.role)
    if current is role:
        return membership, user
    _check_grant(access.role, current, role)
    if current is Role.OWNER:
        await _ensure_another_owner(session, access.workspace.id)
    membership.role = role.value
    membership.updated_at = utcnow()
    await session.flush()
    _trail(
        session,
        access.user.id,
        access.workspace.id,
        "updated",
        "member",
        user_id,
        activity.diff({"role": current.value}, {"role": role.value}),
    )
    log_member(
        session,
        "member.role_changed",
        access.user.id,
        user_id,
        access.workspace.id,
        old_role=current.value,
        new_role=role.value,
    )
    return membership, user


async def remove_member(session: AsyncSession, access: WorkspaceAccess, user_id: str) -> None:
    """Remove a member (admins), or leave (anyone); the last owner cannot leave."""
    membership, _user = await _member(session, access.workspace.id, user_id)
    leaving = user_id == access.user.id
    if not leaving:
        if not access.role.at_least(Role.ADMIN):
            raise Forbidden("Only admins and owners may remove other members.")
        _check_grant(access.role, Role(membership.role))
    if membership.role == Role.OWNER.value:
        await _ensure_another_owner(session, access.workspace.id)
    _trail(
        session,
        access.user.id,
        access.workspace.id,
        "deleted",
        "member",
        user_id,
        activity.removal({"role": membership.role}),
    )
    log_member(
        session,
        "member.removed",
        access.user.id,
        user_id,
        access.workspace.id,
        role=membership.role,
    )
    # Their project memberships in the workspace go with it (projects/members.py).
    for project_id in await repository.leave_projects(session, access.workspace.id, user_id):
        activity.record(
            session,
            workspace_id=access.workspace.id,
            actor_id=access.user.id,
            action="deleted",
            entity_type="project_member",
            entity_id=project_id,
            changes=activity.removal({"user_id": user_id}),
            project_id=project_id,
        )
    await session.delete(membership)
    await session.flush()
