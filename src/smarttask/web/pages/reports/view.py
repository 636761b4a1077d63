"""A saved report's page: its definition in words, the table run now with its chart, the
files, the schedule, the name and visibility, and the deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from smarttask.db.types import utcnow
from smarttask.kit.problems import Conflict, NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import service as projects
from smarttask.reports import service
from smarttask.reports.chart_choice import chart_for
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.reports import words
from smarttask.web.pages.reports.common import (
    Opened,
    ReportId,
    field_errors,
    open_report,
    owner_names,
    people,
)
from smarttask.web.signin import WebCaller
from smarttask.workspaces.roles import Role
from smarttask.workspaces.schemas import time_zones

router = APIRouter()
SHOWN_ROWS = 100
DELIVERIES_LISTED = 20
# The confirmations a change may come back with (`?saved=`); nothing else is ever shown.
SAVED = {
    "created": "The report is saved.",
    "schedule": "The schedule is saved.",
    "unscheduled": "The schedule is removed. Its past deliveries stay listed below.",
    "settings": "The name and who sees it are saved.",
}
Saved = Annotated[str | None, Query(max_length=32)]
DEFAULT_TIME = "09:00"


def schedule_values(opened: Opened) -> dict[str, str]:
    """The schedule form's values: the report's schedule, or a weekly one to start from."""
    schedule = service.to_read(opened.report).schedule
    if schedule is None:
        return {
            "frequency": "weekly",
            "time": DEFAULT_TIME,
            "timezone": opened.access.workspace.timezone,
            "format": "xlsx",
            "recipients": "",
            "delivery": "mail",
        }
    return {
        "frequency": schedule.frequency.value,
        "time": schedule.time,
        "timezone": schedule.timezone,
        "format": schedule.format.value,
        "recipients": "\n".join(schedule.recipients),
        "delivery": schedule.delivery.value,
    }


async def _project_name(session: AsyncSession, caller: WebCaller, project_id: Any) -> str | None:
    if not project_id:
        return None
    try:
        project = await projects.load(session, caller.user, str(project_id), Role.VIEWER)
    except NotFound:
        return "A project that was deleted"
    return project.name


async def report_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    opened: Opened,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    problem: ProblemError | None = None,
    saved: str | None = None,
) -> Response:
    """The report's page; `form` names the form a refusal (`problem`) belongs to."""
    report, access = opened.report, opened.access
    read = service.to_read(report)
    names = await people(session, access)
    owners = await owner_names(session, names, [report.owner_id])
    result, run_error = None, None
    try:
        ran = await service.run(session, report, utcnow(), reader=access.user)
        result = ran.result
    except Conflict as refused:
        run_error = refused.detail
    deliveries = await service.list_deliveries(session, report, None, DELIVERIES_LISTED)
    context: dict[str, Any] = {
        "workspace": access.workspace,
        "report": read,
        "owner_name": owners[report.owner_id],
        "mine": report.owner_id == caller.user.id,
        "can_change": opened.can_change,
        "terms": words.definition_terms(
            read.definition,
            names,
            await _project_name(session, caller, read.definition.get("project_id")),
        ),
        "result": result,
        "table": words.table(result, SHOWN_ROWS) if result else None,
        "chart": chart_for(result) if result else None,
        "run_error": run_error,
        "formats": words.FORMAT_NAMES,
        "schedule_summary": words.schedule_summary(read.schedule),
        "next_run": words.next_run(read.schedule),
        "deliveries": deliveries,
        "time_zones": time_zones(),
        "form": form,
        "values": values or {},
        "schedule_values": values if form == "schedule" and values else schedule_values(opened),
        "errors": field_errors(problem, values) if problem else {},
        "error": problem.detail if problem else None,
        "saved": SAVED.get(saved or ""),
    }
    return await page(
        request,
        session,
        caller,
        "reports/report.html",
        context,
        workspace_id=access.workspace.id,
        status=problem.status if problem else 200,
    )


@router.get("/reports/{report_id}")
async def report(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    report_id: ReportId,
    saved: Saved = None,
) -> Response:
    """The report's page (everyone who may see the report; the change forms for its owner
    and the workspace's admins)."""
    opened = await open_report(session, caller, report_id)
    return await report_page(request, session, caller, opened, saved=saved)
