"""Custom field endpoints (docs/planning.md, Custom fields): thin routes over the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.fields import service
from smarttask.fields.schemas import FieldCreate, FieldRead, FieldUpdate
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workspaces.deps import WorkspaceAdmin, WorkspaceViewer
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["custom fields"])
FieldId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 412, 413, 415, 422)


@router.post(
    "/workspaces/{workspace_id}/fields",
    status_code=201,
    response_model=FieldRead,
    responses=problems(*_WRITE_ERRORS),
)
async def create_field(
    body: FieldCreate, access: WorkspaceAdmin, session: SessionDep, response: Response
) -> FieldRead:
    """Add a custom field to the workspace's tasks (admins and owners)."""
    field = await service.create(session, access, body)
    response.headers["ETag"] = etag(field.version)
    response.headers["Location"] = f"/api/v1/fields/{field.id}"
    return service.to_read(field)


@router.get(
    "/workspaces/{workspace_id}/fields",
    response_model=Page[FieldRead],
    responses=problems(*_ERRORS, 422),
)
async def list_fields(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[FieldRead]:
    """The workspace's custom fields, oldest first."""
    return await service.list_fields(session, access, cursor, limit)


@router.get("/fields/{field_id}", response_model=FieldRead, responses=problems(*_ERRORS))
async def read_field(
    field_id: FieldId, user: CurrentUser, session: SessionDep, response: Response
) -> FieldRead:
    """One custom field."""
    field = await service.load(session, user, field_id, Role.VIEWER)
    response.headers["ETag"] = etag(field.version)
    return service.to_read(field)


@router.patch("/fields/{field_id}", response_model=FieldRead, responses=problems(*_WRITE_ERRORS))
async def update_field(
    field_id: FieldId,
    body: FieldUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> FieldRead:
    """Rename a field or replace its options; removed options leave every task (admins)."""
    field = await service.load(session, user, field_id, Role.ADMIN)
    check_if_match(if_match, field.version)
    field = await service.update(session, user, field, body)
    response.headers["ETag"] = etag(field.version)
    return service.to_read(field)


@router.delete(
    "/fields/{field_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_field(
    field_id: FieldId, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a field with every task's value of it (admins)."""
    field = await service.load(session, user, field_id, Role.ADMIN)
    check_if_match(if_match, field.version)
    await service.delete(session, user, field)
    return Response(status_code=204)
