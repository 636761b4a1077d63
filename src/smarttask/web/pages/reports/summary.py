"""A saved report's executive summary, loaded after its page (the analysis provider never
holds the page back); a page of its own without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.analysis.summaries import report_figures, summarise
from smarttask.db.types import utcnow
from smarttask.kit.deps import DatabaseDep, SettingsDep
from smarttask.kit.session import SessionDep
from smarttask.reports import service
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.reports.common import ReportId, open_report
from smarttask.web.render import render

router = APIRouter()


@router.get("/reports/{report_id}/summary")
async def report_summary(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    database: DatabaseDep,
    settings: SettingsDep,
    report_id: ReportId,
) -> Response:
    """The summary of the report run now (whoever may see the report)."""
    opened = await open_report(session, caller, report_id)
    report = opened.report
    result = (await service.run(session, report, utcnow(), reader=caller.user)).result
    figures = report_figures(result.columns, result.rows, result.from_, result.to)
    summary = await summarise(database, settings.ai, report.workspace_id, figures)
    context = {"summary": summary, "report": report}
    if request.headers.get("hx-request") == "true":
        return render(request, "analytics/_summary.html", context)
    return await page(
        request,
        session,
        caller,
        "reports/summary.html",
        context,
        workspace_id=report.workspace_id,
    )
