"""Data export endpoints (docs/export.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from smarttask.accounts.deps import AuthDep, ControllingUser, CurrentPrincipal
from smarttask.attachments.deps import StorageDep
from smarttask.db.types import utcnow
from smarttask.exports import service
from smarttask.exports.schemas import ExportRead, ExportRequest
from smarttask.kit.deps import SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep

router = APIRouter(tags=["data export"])
PATH = "/users/me/export"
# The answer may hold a download URL: no cache keeps it.
_NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    PATH,
    status_code=202,
    response_model=ExportRead,
    responses=problems(401, 403, 409, 413, 415, 422, 429, 503),
)
async def request_export(
    body: ExportRequest,
    user: ControllingUser,
    session: SessionDep,
    auth: AuthDep,
    settings: SettingsDep,
    storage: StorageDep,
    response: Response,
) -> ExportRead:
    """Ask for a ZIP of everything the account holds (needs proof; not with an API token).

    202 with the export, queued; while one is queued or running, 202 with that one.
    """
    row = await service.request(session, auth, user, body, settings.exports)
    response.headers.update({"Location": f"/api/v1{PATH}", **_NO_STORE})
    return service.to_read(row, storage, settings.exports, utcnow())


@router.get(PATH, response_model=ExportRead, responses=problems(401, 503))
async def read_export(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    response: Response,
) -> ExportRead:
    """The caller's newest export; when ready, a download URL valid for minutes (never to an
    API token, which may read the status only)."""
    response.headers.update(_NO_STORE)
    signed_in = principal.via != "api_token"
    return await service.read(session, principal.user, storage, settings.exports, signed_in)
