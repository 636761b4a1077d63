"""Invitations from a workspace's settings page: inviting by email, revoking a pending one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.pages.workspaces.common import ItemId, Short, WorkspaceId, access
from smarttask.web.pages.workspaces.view import settings_page, shown
from smarttask.workspaces import invitations
from smarttask.workspaces.invitation_schemas import InvitationCreate
from smarttask.workspaces.roles import Role

router = APIRouter()


def _settings(workspace_id: str) -> Response:
    return RedirectResponse(f"/workspaces/{workspace_id}/settings#invitations", status_code=303)


@router.post("/workspaces/{workspace_id}/invitations")
async def invite(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    email: Short = "",
    role: Short = Role.MEMBER.value,
) -> Response:
    """Invite someone by email with a role (admins; only owners invite admins and owners)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"email": email, "role": role}
    try:
        body = forms.parse(InvitationCreate, values)
        await invitations.invite(session, found, body.email, body.role)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await settings_page(
            request, session, caller, found, form="invite", values=values, problem=problem
        )
    return _settings(workspace_id)


@router.post("/workspaces/{workspace_id}/invitations/{invitation_id}/revoke")
async def revoke(
    session: SessionDep, caller: PageCaller, workspace_id: WorkspaceId, invitation_id: ItemId
) -> Response:
    """Revoke a pending invitation (admins); its link stops working."""
    await access(session, caller, workspace_id, Role.ADMIN)
    await invitations.revoke(session, caller.user, invitation_id, workspace_id=workspace_id)
    return _settings(workspace_id)
