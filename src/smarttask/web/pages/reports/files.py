"""A report's files, run now (plain links of the report page), and its older deliveries."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from smarttask.db.types import utcnow
from smarttask.kit.deps import DatabaseDep, SettingsDep
from smarttask.kit.pagination import Cursor
from smarttask.kit.session import SessionDep
from smarttask.reports import files, service
from smarttask.reports.summary import summary_of
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.reports.common import ReportId, open_report
from smarttask.web.pages.reports.view import DELIVERIES_LISTED
from smarttask.web.render import render

router = APIRouter()
FileFormat = Literal["csv", "xlsx", "pdf"]


@router.get("/reports/{report_id}/download/{format}")
async def download(
    session: SessionDep,
    caller: PageCaller,
    database: DatabaseDep,
    settings: SettingsDep,
    report_id: ReportId,
    format: FileFormat,
) -> Response:
    """The report run now as a file, the same file `GET /api/v1/reports/{id}/run` answers."""
    opened = await open_report(session, caller, report_id)
    report, file_format = opened.report, format
    ran = await service.run(session, report, utcnow(), reader=caller.user)
    name = files.filename(report.name, ran.day, file_format)
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    media_type = files.CONTENT_TYPES[file_format]
    if file_format == "csv":
        return StreamingResponse(
            files.csv_stream(ran.result), media_type=media_type, headers=headers
        )
    summary: list[str] = []
    if file_format == "pdf":
        summary = await summary_of(database, settings.ai, report.workspace_id, ran.result)
    data = await files.render(report.name, ran.result, file_format, summary)
    return Response(data, media_type=media_type, headers=headers)


@router.get("/reports/{report_id}/deliveries")
async def deliveries(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    report_id: ReportId,
    cursor: Cursor = None,
) -> Response:
    """Older deliveries: htmx gets the rows and the next link, a plain request a page."""
    opened = await open_report(session, caller, report_id)
    listed = await service.list_deliveries(session, opened.report, cursor, DELIVERIES_LISTED)
    context = {
        "workspace": opened.access.workspace,
        "report": service.to_read(opened.report),
        "deliveries": listed,
        "cursor": cursor,
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "reports/_deliveries_more.html", {**context, "oob": True})
    return await page(
        request,
        session,
        caller,
        "reports/deliveries.html",
        {**context, "oob": False},
        workspace_id=opened.access.workspace.id,
    )
