"""The local store's signed upload (PUT) and download (GET) URLs, streamed to and from disk.

No bearer token: the HMAC signature in the URL is the permission, checked before anything
else, so a foreign, unknown or altered URL gets the same 403 and learns nothing. An upload
is also refused (404) once its attachment is deleted, though its signature stays valid.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from starlette.responses import FileResponse

from smarttask.adapters.storage.local import (
    TRANSFER_PATH,
    AlreadyStored,
    InvalidKey,
    LocalStorage,
    SizeMismatch,
)
from smarttask.adapters.storage.signing import InvalidSignature
from smarttask.attachments import service as attachments
from smarttask.attachments.deps import StorageDep
from smarttask.kit.deps import DatabaseDep
from smarttask.kit.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
)

router = APIRouter(tags=["storage"], include_in_schema=False)
_PATH = TRANSFER_PATH.removeprefix("/api/v1") + "{key:path}"


class LengthRequired(ProblemError):
    """The upload did not say how many bytes it sends."""

    status, slug = 411, "length-required"


def _local(storage: object) -> LocalStorage:
    if not isinstance(storage, LocalStorage):
        raise NotFound("Files are not stored locally on this server.")
    return storage


def _int(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 18:
        raise Forbidden("The URL is not a valid signed storage URL.")
    return int(value)


def _check(verify: Callable[..., None], *args: object) -> None:
    try:
        verify(*args)
    except InvalidSignature as error:
        raise Forbidden(str(error)) from error


@router.put(_PATH, status_code=201)
async def upload(
    key: str, request: Request, storage: StorageDep, database: DatabaseDep
) -> Response:
    """Store the body at `key`: exactly the signed size and type, before the URL expires,
    while its attachment exists and is pending."""
    local = _local(storage)
    query = request.query_params
    size, expires = _int(query.get("size")), _int(query.get("expires"))
    content_type = query.get("type", "")
    _check(local.verify_upload, key, size, content_type, expires, query.get("sig", ""))
    if request.headers.get("content-type", "").strip().lower() != content_type:
        raise Forbidden(f"Send the Content-Type this URL was signed for: {content_type}.")
    declared = request.headers.get("content-length")
    if declared is None:
        raise LengthRequired(f"Send Content-Length: {size}.")
    if declared != str(size):
        raise Forbidden(f"This URL allows exactly {size} bytes, not {declared}.")
    try:
        local.path(key)
    except InvalidKey as error:
        raise NotFound("There is no such object.") from error
    await attachments.check_upload_target(database, key)
    try:
        await local.write(key, size, request.stream())
    except InvalidKey as error:
        raise NotFound("There is no such object.") from error
    except AlreadyStored as error:
        raise Conflict("An object was already uploaded with this URL.") from error
    except SizeMismatch as error:
        raise BadRequest(f"The body was not exactly {size} bytes ({error}).") from error
    await attachments.keep_upload(database, key, local)
    return Response(status_code=201)


@router.get(_PATH)
async def download(key: str, request: Request, storage: StorageDep) -> Response:
    """Stream the object as an attachment, never inline."""
    local = _local(storage)
    query = request.query_params
    filename, content_type = query.get("name", ""), query.get("type", "")
    expires = _int(query.get("expires"))
    _check(local.verify_download, key, filename, content_type, expires, query.get("sig", ""))
    try:
        path = local.path(key)
    except InvalidKey as error:
        raise NotFound("There is no such object.") from error
    if await local.stat(key) is None:
        raise NotFound("There is no such object.")
    headers = local.download_headers(filename, content_type)
    return FileResponse(path, headers=headers, media_type=headers["Content-Type"])
