"""Attachment endpoints (docs/api.md, Attachments)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.attachments import service
from smarttask.attachments.deps import FilesDep, StorageDep
from smarttask.attachments.local_transfer_routes import router as transfer_router
from smarttask.attachments.schemas import AttachmentCreate, AttachmentRead
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["attachments"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.get(
    "/tasks/{task_id}/attachments",
    response_model=Page[AttachmentRead],
    responses=problems(*_ERRORS, 422),
)
async def list_attachments(
    task_id: Id,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    files: FilesDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[AttachmentRead]:
    """A task's attachments, oldest first; ready ones with a short-lived download URL."""
    return await service.list_for_task(session, user, task_id, cursor, limit, storage, files)


@router.post(
    "/tasks/{task_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    responses=problems(*_ERRORS, 403, 413, 415, 422),
)
async def create_attachment(
    task_id: Id,
    body: AttachmentCreate,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    files: FilesDep,
    response: Response,
) -> AttachmentRead:
    """Declare a file (members); answers where and how to upload it before `expires_at`."""
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    attachment, ticket = await service.create(session, user, task, body, storage, files)
    response.headers["ETag"] = etag(attachment.version)
    response.headers["Location"] = f"/api/v1/attachments/{attachment.id}"
    return service.to_read(attachment, storage, files, ticket)


@router.get(
    "/attachments/{attachment_id}", response_model=AttachmentRead, responses=problems(*_ERRORS)
)
async def get_attachment(
    attachment_id: Id,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    files: FilesDep,
    response: Response,
) -> AttachmentRead:
    """One attachment."""
    attachment, _ = await service.load(session, user, attachment_id, Role.VIEWER)
    response.headers["ETag"] = etag(attachment.version)
    return service.to_read(attachment, storage, files)


@router.post(
    "/attachments/{attachment_id}/complete",
    response_model=AttachmentRead,
    responses=problems(*_ERRORS, 403, 409),
)
async def complete_attachment(
    attachment_id: Id,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    files: FilesDep,
    response: Response,
) -> AttachmentRead:
    """Confirm the upload (members): 200 ready once the object has the declared size, else 409."""
    attachment, _ = await service.load(session, user, attachment_id, Role.MEMBER)
    attachment = await service.complete(session, user, attachment, storage)
    response.headers["ETag"] = etag(attachment.version)
    return service.to_read(attachment, storage, files)


@router.delete(
    "/attachments/{attachment_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_attachment(
    attachment_id: Id,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    if_match: IfMatch = None,
) -> Response:
    """Delete an attachment and its stored object (the uploader, or an admin)."""
    attachment, role = await service.load(session, user, attachment_id, Role.MEMBER)
    check_if_match(if_match, attachment.version)
    await service.delete(session, user, attachment, role, storage)
    return Response(status_code=204)


router.include_router(transfer_router)
