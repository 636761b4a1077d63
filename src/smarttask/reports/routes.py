"""Saved-report endpoints (contract §8; docs/reports.md): thin routes over reports/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.responses import StreamingResponse

from smarttask.accounts.deps import CurrentUser
from smarttask.analytics.schemas import ReportResult
from smarttask.attachments.deps import StorageDep
from smarttask.db.types import utcnow
from smarttask.kit.deps import DatabaseDep, SettingsDep
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.reports import files, service
from smarttask.reports.schemas import (
    DeliveryRead,
    ReportCreate,
    ReportRead,
    ReportUpdate,
    RunFormat,
)
from smarttask.reports.summary import summary_of
from smarttask.workspaces.deps import WorkspaceMember, WorkspaceViewer

router = APIRouter(tags=["reports"])
ReportId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_FILES = {
    "description": "The report as JSON, or as the file `format` asks for.",
    "content": {
        "application/json": {},
        **{kind.split(";")[0]: {} for kind in files.CONTENT_TYPES.values()},
    },
}


@router.post(
    "/workspaces/{workspace_id}/reports",
    status_code=201,
    response_model=ReportRead,
    responses=problems(*_ERRORS, 403, 413, 415, 422),
)
async def create_report(
    body: ReportCreate, access: WorkspaceMember, session: SessionDep, response: Response
) -> ReportRead:
    """Save a custom report, optionally scheduled (members and above)."""
    report = await service.create(session, access, body)
    response.headers["ETag"] = etag(report.version)
    response.headers["Location"] = f"/api/v1/reports/{report.id}"
    return service.to_read(report)


@router.get(
    "/workspaces/{workspace_id}/reports",
    response_model=Page[ReportRead],
    responses=problems(*_ERRORS, 422),
)
async def list_reports(
    access: WorkspaceViewer, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ReportRead]:
    """The caller's own reports and the workspace's shared ones, oldest first."""
    return await service.list_visible(session, access, cursor, limit)


@router.get("/reports/{report_id}", response_model=ReportRead, responses=problems(*_ERRORS))
async def read_report(
    report_id: ReportId, user: CurrentUser, session: SessionDep, response: Response
) -> ReportRead:
    """One saved report."""
    report, _ = await service.load(session, user, report_id)
    response.headers["ETag"] = etag(report.version)
    return service.to_read(report)


@router.patch(
    "/reports/{report_id}",
    response_model=ReportRead,
    responses=problems(*_ERRORS, 403, 409, 412, 413, 415, 422),
)
async def update_report(
    report_id: ReportId,
    body: ReportUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ReportRead:
    """Change a report (its owner or an admin); `"schedule": null` unschedules it."""
    report, role = await service.load(session, user, report_id)
    check_if_match(if_match, report.version)
    report = await service.update(session, user, report, role, body)
    response.headers["ETag"] = etag(report.version)
    return service.to_read(report)


@router.delete(
    "/reports/{report_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_report(
    report_id: ReportId,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    if_match: IfMatch = None,
) -> Response:
    """Delete a report and its deliveries (its owner or an admin)."""
    report, role = await service.load(session, user, report_id)
    check_if_match(if_match, report.version)
    await service.delete(session, user, report, role, storage)
    return Response(status_code=204)


@router.get(
    "/reports/{report_id}/run",
    response_model=ReportResult,
    responses={200: _FILES, **problems(*_ERRORS, 409, 422)},
)
async def run_report(
    report_id: ReportId,
    user: CurrentUser,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    file_format: Annotated[RunFormat, Query(alias="format")] = RunFormat.JSON,
) -> ReportResult | Response:
    """Run the report now, as its owner: JSON like the custom report, or a file."""
    report, _ = await service.load(session, user, report_id)
    ran = await service.run(session, report, utcnow(), reader=user)
    if file_format is RunFormat.JSON:
        return ran.result
    name = files.filename(report.name, ran.day, file_format.value)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    media_type = files.CONTENT_TYPES[file_format.value]
    if file_format is RunFormat.CSV:
        return StreamingResponse(
            files.csv_stream(ran.result), media_type=media_type, headers=headers
        )
    summary: list[str] = []
    if file_format is RunFormat.PDF:
        summary = await summary_of(database, settings.ai, report.workspace_id, ran.result)
    data = await files.render(report.name, ran.result, file_format.value, summary)
    return Response(data, media_type=media_type, headers=headers)


@router.get(
    "/reports/{report_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=problems(*_ERRORS, 422),
)
async def list_deliveries(
    report_id: ReportId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """The report's scheduled deliveries, the latest first."""
    report, _ = await service.load(session, user, report_id)
    return await service.list_deliveries(session, report, cursor, limit)
