"""Project member endpoints (docs/api.md, Private projects)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.projects import members
from smarttask.projects.member_schemas import ProjectMemberAdd, ProjectMemberRead
from smarttask.workspaces.roles import Role

router = APIRouter(prefix="/projects/{project_id}/members", tags=["projects"])
ProjectId = Annotated[str, Path(min_length=1, max_length=64)]
UserId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.get("", response_model=Page[ProjectMemberRead], responses=problems(*_ERRORS, 422))
async def list_project_members(
    project_id: ProjectId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ProjectMemberRead]:
    """The project's members, in the order they were added (anyone who sees the project)."""
    project, _ = await members.open_project(session, user, project_id, Role.VIEWER)
    return await members.list_members(session, project, cursor, limit)


@router.post(
    "",
    status_code=201,
    response_model=ProjectMemberRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def add_project_member(
    project_id: ProjectId, body: ProjectMemberAdd, user: CurrentUser, session: SessionDep
) -> ProjectMemberRead:
    """Let a member of the workspace into the project (admins; 409 if already in)."""
    project, access = await members.open_project(session, user, project_id, Role.ADMIN)
    member, person = await members.add(session, access, project, body.user_id)
    return members.to_read(member, person)


@router.delete(
    "/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 422),
)
async def remove_project_member(
    project_id: ProjectId, user_id: UserId, user: CurrentUser, session: SessionDep
) -> Response:
    """Take someone out of the project (admins; 404 if they are not in it)."""
    project, access = await members.open_project(session, user, project_id, Role.ADMIN)
    await members.remove(session, access, project, user_id)
    return Response(status_code=204)
