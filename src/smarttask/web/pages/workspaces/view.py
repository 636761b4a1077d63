"""The settings page of a workspace, rendered fresh or again with a form's refusal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from smarttask.kit.problems import ProblemError
from smarttask.projects import service as projects
from smarttask.web import forms
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import grantable, may_manage
from smarttask.web.signin import WebCaller
from smarttask.workspaces import invitations
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role
from smarttask.workspaces.schemas import time_zones

LISTED = 100


async def settings_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    found: WorkspaceAccess,
    *,
    form: str | None = None,
    values: dict[str, str] | None = None,
    problem: ProblemError | None = None,
    members_cursor: str | None = None,
) -> Response:
    """The settings page; `form` names the form a refusal (`problem`) belongs to."""
    members = await workspaces.list_members(session, found, members_cursor, LISTED)
    listed = await projects.list_in_workspace(session, found, None, LISTED)
    role = found.role
    pending = (
        (await invitations.list_pending(session, found, None, LISTED)).items
        if role.at_least(Role.ADMIN)
        else []
    )
    context: dict[str, Any] = {
        "workspace": found.workspace,
        "role": role,
        "me": caller.user.id,
        "can_manage": role.at_least(Role.ADMIN),
        "is_owner": role is Role.OWNER,
        "grantable": grantable(role),
        "members": [
            {"member": member, "manageable": may_manage(role, member.role)}
            for member in members.items
        ],
        "members_cursor": members.next_cursor,
        "invitations": pending,
        "projects": listed.items,
        "time_zones": time_zones(),
        "form": form,
        "values": values or {},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
    }
    return await page(
        request,
        session,
        caller,
        "workspaces/settings.html",
        context,
        workspace_id=found.workspace.id,
        status=problem.status if problem else 200,
    )


# The refusals a settings form shows on the page itself; others are the error page.
SHOWN = (409, 422)


def shown(problem: ProblemError) -> bool:
    """Whether the refusal belongs beside the form (else: the error page, e.g. 403, 404)."""
    return problem.status in SHOWN
