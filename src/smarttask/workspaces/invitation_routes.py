"""Invitation endpoints (docs/mail.md, Invitations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workspaces import invitations, service
from smarttask.workspaces.deps import WorkspaceAdmin
from smarttask.workspaces.invitation_schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationRead,
)
from smarttask.workspaces.schemas import MemberRead

router = APIRouter(tags=["invitations"])
InvitationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/workspaces/{workspace_id}/invitations",
    status_code=201,
    response_model=InvitationRead,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def invite(
    body: InvitationCreate, access: WorkspaceAdmin, session: SessionDep
) -> InvitationRead:
    """Invite someone by email with a role (admins; only owners invite admins and owners).

    The mail with the link goes out in the background; the invitation expires in 7 days.
    """
    invitation = await invitations.invite(session, access, body.email, body.role)
    return invitations.to_read(invitation)


@router.get(
    "/workspaces/{workspace_id}/invitations",
    response_model=Page[InvitationRead],
    responses=problems(401, 403, 404, 422, 503),
)
async def list_invitations(
    access: WorkspaceAdmin, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[InvitationRead]:
    """The workspace's pending invitations, oldest first (admins)."""
    return await invitations.list_pending(session, access, cursor, limit)


@router.post(
    "/invitations/accept",
    response_model=MemberRead,
    responses=problems(400, 401, 403, 409, 413, 415, 422, 503),
)
async def accept_invitation(
    body: InvitationAccept, user: CurrentUser, session: SessionDep
) -> MemberRead:
    """Accept an invitation sent to the caller's email: the caller joins with its role."""
    membership, member = await invitations.accept(session, user, body.token)
    return service.to_member_read(membership, member)


@router.delete(
    "/invitations/{invitation_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 503),
)
async def revoke_invitation(
    invitation_id: InvitationId, user: CurrentUser, session: SessionDep
) -> Response:
    """Revoke a pending invitation (admins of its workspace); its link stops working."""
    await invitations.revoke(session, user, invitation_id)
    return Response(status_code=204)
