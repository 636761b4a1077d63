"""Route dependencies of the access rule (workspaces/access.py): the caller's access to the
path's workspace with at least a role, as typed `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.openapi_problems import raises
from smarttask.kit.session import SessionDep
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

WorkspaceId = Annotated[str, Path(min_length=1, max_length=64)]


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
