"""The authorisation policy: who may act in a workspace, as typed dependencies.

A workspace the caller is not a member of does not exist for them (404); a member whose
role is too low gets 403. Routes declare the role they need; services of other domains
call `require_role` after loading the workspace id of the resource they act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.deps import CurrentUser
from smarttask.accounts.models import User
from smarttask.db.session import SessionDep
from smarttask.kit.openapi_problems import raises
from smarttask.kit.problems import Forbidden, NotFound
from smarttask.workspaces import repository
from smarttask.workspaces.models import Membership, Workspace
from smarttask.workspaces.roles import Role

WorkspaceId = Annotated[str, Path(min_length=1, max_length=64)]


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


async def require_role(
    session: AsyncSession,
    user: User,
    workspace_id: str,
    minimum: Role,
    *,
    missing: str = "There is no such workspace.",
) -> WorkspaceAccess:
    """The caller's access to the workspace; 404 if not a member, 403 if the role is too low.

    `missing` is the 404's text: the one of the resource asked for, so that a resource in a
    foreign workspace reads exactly like one that does not exist.
    """
    found = await repository.get_with_membership(session, workspace_id, user.id)
    if found is None:
        raise NotFound(missing)
    workspace, membership = found
    if not Role(membership.role).at_least(minimum):
        raise Forbidden(f"This needs the {minimum.value} role or higher in this workspace.")
    return WorkspaceAccess(user=user, workspace=workspace, membership=membership)


def _role_dependency(minimum: Role) -> Any:
    async def dependency(
        workspace_id: WorkspaceId, user: CurrentUser, session: SessionDep
    ) -> WorkspaceAccess:
        return await require_role(session, user, workspace_id, minimum)

    dependency.__doc__ = f"Access to the path's workspace with at least the {minimum} role."
    return Depends(raises(404, *(() if minimum is Role.VIEWER else (403,)))(dependency))


WorkspaceViewer = Annotated[WorkspaceAccess, _role_dependency(Role.VIEWER)]
WorkspaceMember = Annotated[WorkspaceAccess, _role_dependency(Role.MEMBER)]
WorkspaceAdmin = Annotated[WorkspaceAccess, _role_dependency(Role.ADMIN)]
WorkspaceOwner = Annotated[WorkspaceAccess, _role_dependency(Role.OWNER)]
