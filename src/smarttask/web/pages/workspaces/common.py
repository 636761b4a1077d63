"""What the workspace pages share: path parameters, form fields, the caller's access."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import PRIVILEGED, Role

WorkspaceId = Annotated[str, Path(min_length=1, max_length=64)]
ItemId = Annotated[str, Path(min_length=1, max_length=64)]
# Form fields are bounded generously; the API's schemas then say what is wrong, beside
# the field (their limits are lower).
Short = Annotated[str, Form(max_length=1000)]
Long = Annotated[str, Form(max_length=20_000)]


async def access(
    session: AsyncSession, caller: WebCaller, workspace_id: str, minimum: Role = Role.VIEWER
) -> WorkspaceAccess:
    """The caller's access to the workspace: the 404 page for a non-member, 403 if too low."""
    return await require_role(session, caller.user, workspace_id, minimum)


def grantable(role: Role) -> list[Role]:
    """The roles someone of this role may hand out, to show in the forms (owners: all)."""
    if role is Role.OWNER:
        return list(Role)
    return [granted for granted in Role if granted not in PRIVILEGED]


def may_manage(actor: Role, member: Role) -> bool:
    """Whether to show controls that change a member of this role (the service decides)."""
    return actor.at_least(Role.ADMIN) and (actor is Role.OWNER or member not in PRIVILEGED)
