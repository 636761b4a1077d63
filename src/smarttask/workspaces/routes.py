"""Workspace and member endpoints (docs/api.md, Workspaces and members)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.accounts.models import User
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page, created_keyset, keyset_page
from smarttask.kit.session import SessionDep
from smarttask.workspaces import repository, service
from smarttask.workspaces.deps import WorkspaceAdmin, WorkspaceOwner, WorkspaceViewer
from smarttask.workspaces.models import Membership, Workspace
from smarttask.workspaces.schemas import (
    MemberAdd,
    MemberRead,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)

router = APIRouter(prefix="/workspaces", tags=["workspaces"])
UserId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


def _read(workspace: Workspace, membership: Membership) -> WorkspaceRead:
    return WorkspaceRead.model_validate(
        {
            "id": workspace.id,
            "name": workspace.name,
            "role": membership.role,
            "version": workspace.version,
            "created_at": workspace.created_at,
            "updated_at": workspace.updated_at,
        }
    )


def _member(membership: Membership, user: User) -> MemberRead:
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


@router.post(
    "", status_code=201, response_model=WorkspaceRead, responses=problems(401, 413, 415, 422, 503)
)
async def create_workspace(
    body: WorkspaceCreate, user: CurrentUser, session: SessionDep, response: Response
) -> WorkspaceRead:
    """Create a workspace; the caller becomes its owner."""
    workspace, membership = await service.create(session, user, body.name)
    response.headers["ETag"] = etag(workspace.version)
    response.headers["Location"] = f"/api/v1/workspaces/{workspace.id}"
    return _read(workspace, membership)


@router.get("", response_model=Page[WorkspaceRead], responses=problems(401, 422, 503))
async def list_workspaces(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[WorkspaceRead]:
    """The caller's workspaces, oldest first."""
    rows = await repository.list_for_user(
        session, user.id, after=created_keyset(cursor), limit=limit + 1
    )
    return keyset_page(
        rows, limit, lambda row: _read(*row), lambda row: [row[0].created_at.isoformat(), row[0].id]
    )


@router.get("/{workspace_id}", response_model=WorkspaceRead, responses=problems(*_ERRORS))
async def read_workspace(access: WorkspaceViewer, response: Response) -> WorkspaceRead:
    """One workspace."""
    response.headers["ETag"] = etag(access.workspace.version)
    return _read(access.workspace, access.membership)


@router.patch(
    "/{workspace_id}",
    response_model=WorkspaceRead,
    responses=problems(*_ERRORS, 403, 409, 412, 413, 415, 422),
)
async def update_workspace(
    body: WorkspaceUpdate,
    access: WorkspaceAdmin,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> WorkspaceRead:
    """Rename a workspace (admins)."""
    check_if_match(if_match, access.workspace.version)
    workspace = await service.rename(session, access, body.name)
    response.headers["ETag"] = etag(workspace.version)
    return _read(workspace, access.membership)


@router.delete(
    "/{workspace_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_workspace(
    access: WorkspaceOwner, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a workspace and everything in it (owners)."""
    check_if_match(if_match, access.workspace.version)
    await service.delete(session, access)
    return Response(status_code=204)


@router.get(
    "/{workspace_id}/members", response_model=Page[MemberRead], responses=problems(*_ERRORS, 422)
)
async def list_members(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[MemberRead]:
    """The workspace's members, in joining order."""
    rows = await repository.list_members(
        session, access.workspace.id, after=created_keyset(cursor), limit=limit + 1
    )
    return keyset_page(
        rows,
        limit,
        lambda row: _member(*row),
        lambda row: [row[0].created_at.isoformat(), row[0].user_id],
    )


@router.post(
    "/{workspace_id}/members",
    status_code=201,
    response_model=MemberRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def add_member(body: MemberAdd, access: WorkspaceAdmin, session: SessionDep) -> MemberRead:
    """Add an existing user (admins; only owners grant admin or owner)."""
    membership, user = await service.add_member(session, access, body.email, body.role)
    return _member(membership, user)


@router.patch(
    "/{workspace_id}/members/{user_id}",
    response_model=MemberRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def change_member_role(
    user_id: UserId, body: MemberUpdate, access: WorkspaceAdmin, session: SessionDep
) -> MemberRead:
    """Change a member's role (admins; only owners touch admin and owner roles)."""
    membership, user = await service.change_role(session, access, user_id, body.role)
    return _member(membership, user)


@router.delete(
    "/{workspace_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 409),
)
async def remove_member(user_id: UserId, access: WorkspaceViewer, session: SessionDep) -> Response:
    """Remove a member (admins), or leave the workspace (anyone but the last owner)."""
    await service.remove_member(session, access, user_id)
    return Response(status_code=204)
