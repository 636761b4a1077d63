"""Saved view endpoints (docs/api.md, Saved views): thin routes over views/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.tasks.schemas import TaskRead
from smarttask.views import service
from smarttask.views.schemas import ViewCreate, ViewRead, ViewUpdate
from smarttask.workspaces.deps import WorkspaceViewer

router = APIRouter(tags=["views"])
ViewId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 413, 415, 422)


@router.post(
    "/workspaces/{workspace_id}/views",
    status_code=201,
    response_model=ViewRead,
    responses=problems(*_WRITE_ERRORS),
)
async def create_view(
    body: ViewCreate, access: WorkspaceViewer, session: SessionDep, response: Response
) -> ViewRead:
    """Save a view: personal for any member (viewers too), shared from members up."""
    view = await service.create(session, access, body)
    response.headers["ETag"] = etag(view.version)
    response.headers["Location"] = f"/api/v1/views/{view.id}"
    return service.to_read(view)


@router.get(
    "/workspaces/{workspace_id}/views",
    response_model=Page[ViewRead],
    responses=problems(*_ERRORS, 422),
)
async def list_views(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ViewRead]:
    """The caller's own views of the workspace and its shared views, oldest first."""
    return await service.list_views(session, access, cursor, limit)


@router.get("/views/{view_id}", response_model=ViewRead, responses=problems(*_ERRORS))
async def read_view(
    view_id: ViewId, user: CurrentUser, session: SessionDep, response: Response
) -> ViewRead:
    """One view: a personal one to its owner only, a shared one to every member."""
    view, _ = await service.load(session, user, view_id)
    response.headers["ETag"] = etag(view.version)
    return service.to_read(view)


@router.patch("/views/{view_id}", response_model=ViewRead, responses=problems(*_WRITE_ERRORS, 412))
async def update_view(
    view_id: ViewId,
    body: ViewUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ViewRead:
    """Change a view (its owner, or an admin for a shared one)."""
    view, access = await service.load(session, user, view_id)
    check_if_match(if_match, view.version)
    view = await service.update(session, access, view, body)
    response.headers["ETag"] = etag(view.version)
    return service.to_read(view)


@router.delete(
    "/views/{view_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_view(
    view_id: ViewId, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a view (its owner, or an admin for a shared one)."""
    view, access = await service.load(session, user, view_id)
    check_if_match(if_match, view.version)
    await service.delete(session, access, view)
    return Response(status_code=204)


@router.get(
    "/views/{view_id}/tasks", response_model=Page[TaskRead], responses=problems(*_ERRORS, 422)
)
async def run_view(
    view_id: ViewId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[TaskRead]:
    """The view's tasks, one keyset page at a time, as the task list answers them."""
    view, access = await service.load(session, user, view_id)
    return await service.run(session, access, view, cursor, limit)
