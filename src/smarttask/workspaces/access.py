"""The access rule: who may see or change a workspace's resources. No HTTP here.

A resource in a workspace the caller is not a member of does not exist for them (404,
with the text of the resource asked for, so that it reads exactly like a missing one); a
member whose role is too low gets 403. `allow` is the rule itself, a function of the
caller's role (None: not a member). The session path (`require_role`, which loads the
membership) and the fast read path (tasks/reads.py, whose one statement returns the role
beside the row) both decide through it. The route dependencies are in workspaces/deps.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from smarttask.kit.problems import Forbidden, NotFound
from smarttask.workspaces import repository
from smarttask.workspaces.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.accounts.models import User
    from smarttask.workspaces.models import Membership, Workspace

MISSING_WORKSPACE = "There is no such workspace."


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
