"""Project endpoints (docs/api.md, Projects)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.projects import service
from smarttask.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate
from smarttask.workspaces.deps import WorkspaceAdmin, WorkspaceViewer
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["projects"])
ProjectId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.post(
    "/workspaces/{workspace_id}/projects",
    status_code=201,
    response_model=ProjectRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
)
async def create_project(
    body: ProjectCreate, access: WorkspaceAdmin, session: SessionDep, response: Response
) -> ProjectRead:
    """Create a project (admins)."""
    project = await service.create(session, access, body)
    response.headers["ETag"] = etag(project.version)
    response.headers["Location"] = f"/api/v1/projects/{project.id}"
    return ProjectRead.model_validate(project)


@router.get(
    "/workspaces/{workspace_id}/projects",
    response_model=Page[ProjectRead],
    responses=problems(*_ERRORS, 422),
)
async def list_projects(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ProjectRead]:
    """The workspace's projects, oldest first."""
    return await service.list_in_workspace(session, access, cursor, limit)


@router.get("/projects/{project_id}", response_model=ProjectRead, responses=problems(*_ERRORS))
async def read_project(
    project_id: ProjectId, user: CurrentUser, session: SessionDep, response: Response
) -> ProjectRead:
    """One project."""
    project = await service.load(session, user, project_id, Role.VIEWER)
    response.headers["ETag"] = etag(project.version)
    return ProjectRead.model_validate(project)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectRead,
    responses=problems(*_ERRORS, 403, 409, 412, 413, 415, 422),
)
async def update_project(
    project_id: ProjectId,
    body: ProjectUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    """Rename or describe a project (admins)."""
    project = await service.load(session, user, project_id, Role.ADMIN)
    check_if_match(if_match, project.version)
    project = await service.update(session, user, project, body)
    response.headers["ETag"] = etag(project.version)
    return ProjectRead.model_validate(project)


@router.delete(
    "/projects/{project_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_project(
    project_id: ProjectId, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a project and all its tasks (admins)."""
    project = await service.load(session, user, project_id, Role.ADMIN)
    check_if_match(if_match, project.version)
    await service.delete(session, user, project)
    return Response(status_code=204)
