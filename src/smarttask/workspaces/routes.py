"""Workspace and member endpoints (docs/api.md, Workspaces and members)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.activity import feed
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.deps import SettingsDep
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workspaces import service
from smarttask.workspaces.access import project_filter
from smarttask.workspaces.deps import WorkspaceAdmin, WorkspaceOwner, WorkspaceViewer
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


@router.post(
    "",
    status_code=201,
    response_model=WorkspaceRead,
    responses=problems(401, 409, 413, 415, 422, 503),
)
async def create_workspace(
    body: WorkspaceCreate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WorkspaceRead:
    """Create a workspace; the caller becomes its owner (409 past the per-user limit)."""
    workspace, membership = await service.create(
        session,
        user,
        body.name,
        max_workspaces=settings.max_workspaces_per_user,
        timezone=body.timezone,
    )
    response.headers["ETag"] = etag(workspace.version)
    response.headers["Location"] = f"/api/v1/workspaces/{workspace.id}"
    return service.to_read(workspace, membership)


@router.get("", response_model=Page[WorkspaceRead], responses=problems(401, 422, 503))
async def list_workspaces(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[WorkspaceRead]:
    """The caller's workspaces, oldest first."""
    return await service.list_for_user(session, user, cursor, limit)


@router.get("/{workspace_id}", response_model=WorkspaceRead, responses=problems(*_ERRORS))
async def read_workspace(access: WorkspaceViewer, response: Response) -> WorkspaceRead:
    """One workspace."""
    response.headers["ETag"] = etag(access.workspace.version)
    return service.to_read(access.workspace, access.membership)


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
    """Rename a workspace or change its time zone (admins)."""
    check_if_match(if_match, access.workspace.version)
    workspace = await service.update(session, access, body.name, body.timezone)
    response.headers["ETag"] = etag(workspace.version)
    return service.to_read(workspace, access.membership)


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
    return await service.list_members(session, access, cursor, limit)


@router.post(
    "/{workspace_id}/members",
    status_code=201,
    response_model=MemberRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def add_member(body: MemberAdd, access: WorkspaceAdmin, session: SessionDep) -> MemberRead:
    """Add an existing user (admins; only owners grant admin or owner)."""
    membership, user = await service.add_member(session, access, body.email, body.role)
    return service.to_member_read(membership, user)


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
    return service.to_member_read(membership, user)


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


@router.get(
    "/{workspace_id}/activity",
    response_model=Page[ActivityRead],
    responses=problems(401, 404, 422, 503),
    tags=["activity"],
)
async def workspace_activity(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ActivityRead]:
    """Everything that changed in the workspace (in the projects the caller sees), newest first."""
    visible = project_filter(access)
    return await feed.for_workspace(session, access.workspace.id, cursor, limit, visible)
