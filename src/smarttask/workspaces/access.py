"""The access rule: who may see or change a workspace's resources. No HTTP here.

A resource in a workspace the caller is not a member of does not exist for them (404,
with the text of the resource asked for, so that it reads exactly like a missing one); a
member whose role is too low gets 403. `allow` is the rule itself, a function of the
caller's role (None: not a member). The session path (`require_role`, which loads the
membership) and the fast read path (tasks/reads.py, whose one statement returns the role
beside the row) both decide through it. The route dependencies are in workspaces/deps.py.

Private projects narrow it: in a project whose visibility is `private`, a workspace member
who is neither one of its project members nor an admin or owner has no role at all, so its
resources do not exist for them (404). `project_role` is that step in Python and
`project_role_sql` the same step over a statement's columns, for the one-statement reads
and the lists; `visible_project_sql` is the filter lists use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    exists,
    literal_column,
    not_,
    null,
    or_,
    select,
)

from smarttask.kit.problems import Forbidden, NotFound
from smarttask.workspaces import repository
from smarttask.workspaces.models import DeletedPrivateProject, Membership, ProjectMember, Workspace
from smarttask.workspaces.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import QueryableAttribute
    from sqlalchemy.sql.elements import ColumnElement

    # A text column of a statement: a mapped attribute or any SQL expression.
    TextColumn = ColumnElement[str] | QueryableAttribute[str]

    from sqlalchemy import BindParameter, Select

    from smarttask.accounts.models import User

MISSING_WORKSPACE = "There is no such workspace."
PRIVATE = "private"
# The roles that see every project of their workspace, private ones included.
_SEE_EVERY_PROJECT = (Role.OWNER.value, Role.ADMIN.value)


def allow(role: str | None, minimum: Role, *, missing: str) -> Role:
    """The caller's role when it is at least `minimum`; 404 for a non-member, 403 if lower."""
    if role is None:
        raise NotFound(missing)
    granted = Role(role)
    if not granted.at_least(minimum):
        raise Forbidden(f"This needs the {minimum.value} role or higher in this workspace.")
    return granted


@dataclass(frozen=True, slots=True)
class WorkspaceAccess:
    """The caller, the workspace and the caller's role in it."""

    user: User
    workspace: Workspace
    membership: Membership

    @property
    def role(self) -> Role:
        """The caller's role."""
        return Role(self.membership.role)

    @property
    def private_filter_for(self) -> str | None:
        """Whose hidden projects a workspace-wide list leaves out: None if they see them all."""
        return None if self.membership.role in _SEE_EVERY_PROJECT else self.user.id


async def require_role(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    minimum: Role,
    *,
    missing: str = MISSING_WORKSPACE,
) -> WorkspaceAccess:
    """The caller's access to the workspace, by `allow`: 404 if not a member, 403 if too low."""
    found = await repository.get_with_membership(session, workspace_id, user.id)
    allow(found[1].role if found else None, minimum, missing=missing)
    assert found is not None
    workspace, membership = found
    return WorkspaceAccess(user=user, workspace=workspace, membership=membership)


def project_role(role: str | None, *, private: bool, project_member: bool) -> str | None:
    """The caller's role for a project's resources: none in a private project they are not in.

    Workspace admins and owners see every project; anyone else sees a private one only as
    one of its project members.
    """
    if role is None or not private or project_member or role in _SEE_EVERY_PROJECT:
        return role
    return None


def is_project_member_sql(project_id: TextColumn, user_id: Any) -> ColumnElement[bool]:
    """Whether the user (a value or a bind parameter) is a project member, in SQL."""
    return exists().where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)


def _constant(value: str) -> ColumnElement[str]:
    """One of this module's own words as an SQL constant (never a caller's value).

    Constants, not bound values: the reader path (db/readers.py) runs the compiled text as
    it is (an expanding IN list would stay a placeholder there), and a prepared statement
    then carries no parameter for them.
    """
    assert value.isalpha(), value
    return literal_column(f"'{value}'", String())


def visible_to_sql(
    user_id: Any, visibility: TextColumn, project_id: TextColumn
) -> ColumnElement[bool]:
    """Whether a project is visible to a member who is not an admin or owner, in SQL."""
    return or_(visibility != _constant(PRIVATE), is_project_member_sql(project_id, user_id))


def project_id_visible_to_sql(user_id: Any, project_id: TextColumn) -> ColumnElement[bool]:
    """Whether a row naming a project by id (or none) is visible to a non-admin member, in SQL.

    A deleted project's rows stay visible (its trail outlives it), unless it was private
    when deleted: those stay with the workspace's admins and owners.
    """
    project = repository.PROJECT
    deleted_private = DeletedPrivateProject.__table__
    return or_(
        project_id.is_(None),
        exists().where(
            project.c.id == project_id,
            or_(
                project.c.visibility != _constant(PRIVATE),
                is_project_member_sql(project_id, user_id),
            ),
        ),
        and_(
            ~exists().where(project.c.id == project_id),
            ~exists().where(deleted_private.c.project_id == project_id),
        ),
    )


def project_filter(access: WorkspaceAccess) -> Callable[[Any], ColumnElement[bool]] | None:
    """The condition on a row's project id that leaves out projects hidden from the caller.

    None when the caller sees every project of the workspace.
    """
    user_id = access.private_filter_for
    if user_id is None:
        return None
    return lambda project_id: project_id_visible_to_sql(user_id, project_id)


def visible_project_sql(
    role: TextColumn,
    visibility: TextColumn,
    project_id: TextColumn,
    user_id: Any,
) -> ColumnElement[bool]:
    """`project_role(...) is not None` for a member's row, in SQL: the filter of every list."""
    seeing = [_constant(value) for value in _SEE_EVERY_PROJECT]
    return or_(role.in_(seeing), visible_to_sql(user_id, visibility, project_id))


def project_role_sql(
    role: TextColumn,
    visibility: TextColumn,
    project_id: TextColumn,
    user_id: Any,
) -> ColumnElement[str | None]:
    """`project_role` over a statement's columns: the role, or NULL where the project is hidden."""
    return case(
        (not_(visible_project_sql(role, visibility, project_id, user_id)), null()),
        else_=role,
    )


async def require_project_role(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    project_id: str | None,
    minimum: Role,
    *,
    missing: str,
    task_id: str | None = None,
) -> WorkspaceAccess:
    """`require_role` for a resource of a project (or of a task's project).

    A project hidden from the caller is a 404 whatever the role asked for, as a resource of
    another workspace: it is decided before the role is.
    """
    access = await require_role(session, user, workspace_id, Role.VIEWER, missing=missing)
    await check_project(session, access, project_id, task_id=task_id, missing=missing)
    allow(access.membership.role, minimum, missing=missing)
    return access


def with_access(*columns: Any, workspace_id: TextColumn, project_id: TextColumn) -> Select[Any]:
    """`select(*columns)` and what decides the caller's (`:user_id`) access to their row, in
    one statement: the workspace, the caller's membership (None for a non-member: an outer
    join) and whether the caller is one of the project's members (`project_access`)."""
    user_id: BindParameter[str] = bindparam("user_id")
    return (
        select(*columns, Workspace, Membership, is_project_member_sql(project_id, user_id))
        .join(Workspace, Workspace.id == workspace_id)
        .outerjoin(
            Membership,
            and_(Membership.workspace_id == workspace_id, Membership.user_id == user_id),
        )
    )


def project_access(
    user: User,
    workspace: Workspace,
    membership: Membership | None,
    minimum: Role,
    *,
    private: bool,
    project_member: bool,
    missing: str,
) -> WorkspaceAccess:
    """`require_project_role`'s decision over what one statement read (a task's or a
    project's `get_for_caller`).

    Not a member, or a hidden project: 404; a role below `minimum`: 403.
    """
    allow(None if membership is None else membership.role, Role.VIEWER, missing=missing)
    assert membership is not None
    if project_role(membership.role, private=private, project_member=project_member) is None:
        raise NotFound(missing)
    allow(membership.role, minimum, missing=missing)
    return WorkspaceAccess(user=user, workspace=workspace, membership=membership)


async def check_project(
    session: AsyncSession,
    access: WorkspaceAccess,
    project_id: str | None = None,
    *,
    task_id: str | None = None,
    missing: str,
) -> None:
    """404 when the project (or the task's project) is private and hidden from the caller."""
    if access.private_filter_for is None:
        return
    private, member = await repository.project_privacy(
        session, access.user.id, project_id=project_id, task_id=task_id
    )
    if project_role(access.membership.role, private=private, project_member=member) is None:
        raise NotFound(missing)
