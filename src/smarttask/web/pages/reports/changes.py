"""The report page's forms: the schedule (set, replaced, removed), the name and who sees it,
and deleting the report after confirming. Each goes through `reports.service.update` or
`delete` with the API's `ReportUpdate`, so a page refuses what the API refuses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from smarttask.attachments.deps import StorageDep
from smarttask.kit.problems import Forbidden, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.reports import service
from smarttask.reports.schemas import ReportUpdate
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.reports.common import (
    ReportId,
    open_report,
    recipients,
    shown,
    time_of_day,
)
from smarttask.web.pages.reports.view import report_page
from smarttask.web.pages.workspaces.common import Short

router = APIRouter()
Recipients = Annotated[str, Form(max_length=20_000)]
_REFUSED = "Only the report's owner or a workspace admin may change or delete it."


def _back(report_id: str, saved: str) -> Response:
    return RedirectResponse(f"/reports/{report_id}?saved={saved}", status_code=303)


@router.post("/reports/{report_id}/schedule")
async def set_schedule(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    report_id: ReportId,
    frequency: Short = "",
    time: Short = "",
    timezone: Short = "",
    file_format: Annotated[str, Form(alias="format", max_length=1000)] = "",
    recipients_text: Annotated[str, Form(alias="recipients", max_length=20_000)] = "",
    delivery: Short = "mail",
) -> Response:
    """Set or replace the schedule (a new schedule starts afresh, as in the API)."""
    opened = await open_report(session, caller, report_id)
    addresses = recipients(recipients_text)
    values: dict[str, Any] = {
        "frequency": frequency,
        "time": time_of_day(time),
        "timezone": timezone.strip(),
        "format": file_format,
        "recipients": recipients_text,
        "recipients_list": addresses,
        "delivery": delivery,
    }
    schedule = {key: values[key] for key in ("frequency", "time", "timezone", "format")}
    try:
        body = forms.parse(
            ReportUpdate, {"schedule": {**schedule, "recipients": addresses, "delivery": delivery}}
        )
        await service.update(session, caller.user, opened.report, opened.access.role, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await report_page(
            request, session, caller, opened, form="schedule", values=values, problem=problem
        )
    return _back(opened.report.id, "schedule")


@router.post("/reports/{report_id}/schedule/remove")
async def remove_schedule(session: SessionDep, caller: PageCaller, report_id: ReportId) -> Response:
    """Remove the schedule (its deliveries stay listed)."""
    opened = await open_report(session, caller, report_id)
    body = forms.parse(ReportUpdate, {"schedule": None})
    await service.update(session, caller.user, opened.report, opened.access.role, body)
    return _back(opened.report.id, "unscheduled")


@router.post("/reports/{report_id}/settings")
async def change_settings(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    report_id: ReportId,
    name: Short = "",
    visibility: Short = "",
) -> Response:
    """Rename the report and choose who sees it."""
    opened = await open_report(session, caller, report_id)
    values = {"name": name, "visibility": visibility}
    try:
        body = forms.parse(ReportUpdate, values)
        await service.update(session, caller.user, opened.report, opened.access.role, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await report_page(
            request, session, caller, opened, form="settings", values=values, problem=problem
        )
    return _back(opened.report.id, "settings")


@router.get("/reports/{report_id}/delete")
async def confirm_delete(
    request: Request, session: SessionDep, caller: PageCaller, report_id: ReportId
) -> Response:
    """Ask to confirm deleting the report (its owner or an admin; others: the 403 page)."""
    opened = await open_report(session, caller, report_id)
    if not opened.can_change:
        raise Forbidden(_REFUSED)
    context = {"workspace": opened.access.workspace, "report": opened.report}
    return await page(
        request,
        session,
        caller,
        "reports/delete.html",
        context,
        workspace_id=opened.access.workspace.id,
    )


@router.post("/reports/{report_id}/delete")
async def delete_report(
    session: SessionDep, caller: PageCaller, storage: StorageDep, report_id: ReportId
) -> Response:
    """Delete the report, its deliveries and stored files; on to the workspace's reports."""
    opened = await open_report(session, caller, report_id)
    await service.delete(session, caller.user, opened.report, opened.access.role, storage)
    workspace_id = opened.access.workspace.id
    return RedirectResponse(f"/workspaces/{workspace_id}/reports?deleted=1", status_code=303)
