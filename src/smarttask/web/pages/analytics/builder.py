"""The report builder: dimensions, metrics, the list filters and the days, previewed as one
chooses (htmx asks `/reports/preview` for the table and chart on every change; without
JavaScript the same GET form renders the whole page with its preview), and the form that
saves the definition (`POST /workspaces/{id}/reports`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from smarttask.analytics import service as analytics
from smarttask.kit.session import SessionDep
from smarttask.tasks.schemas import Priority, Status
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.analytics import report_view
from smarttask.web.pages.analytics.common import (
    PERIODS,
    DaysText,
    DayText,
    FromText,
    ProjectChoice,
    blank,
    open_scope,
    parse_range,
    project_choices,
)
from smarttask.web.pages.analytics.report_form import (
    DIMENSION_LABELS,
    METRIC_LABELS,
    options,
    read,
    validate,
)
from smarttask.web.pages.projects.cards import PRIORITY_LABELS, STATUS_LABELS
from smarttask.web.pages.workspaces.common import WorkspaceId
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.roles import Role

router = APIRouter()
LISTED = 100
_FIELD_NAMES = {
    "dimensions": "Group by",
    "metrics": "Figures",
    "status": "Status",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "label": "Label",
    "q": "Words",
    "due_after": "Due on or after",
    "due_before": "Due before",
    "range": "Days",
    "project_id": "Project",
}
_FIELD_IDS = {
    "dimensions": "dimension-1",
    "metrics": "metrics",
    "status": "report-status",
    "priority": "report-priority",
    "assignee_id": "report-assignee",
    "label": "report-label",
    "q": "report-q",
    "due_after": "report-due-after",
    "due_before": "report-due-before",
    "range": "report-days",
    "project_id": "report-project",
}


async def _built(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    workspace_id: str,
    days: str | None,
    start: str | None,
    to: str | None,
    project_id: str | None,
) -> dict[str, Any]:
    """The form read and checked, and the report's preview when it is valid."""
    asked = parse_range(days, start, to)
    chosen = blank(project_id)
    where, range_error = await open_scope(session, caller, workspace_id, asked, chosen)
    form = validate(read(request.query_params, chosen), asked, where.timezone)
    if range_error:
        form.errors.setdefault("range", range_error)
        form.definition = None
    preview = None
    if form.definition is not None:
        result = await analytics.custom_report(session, where, form.definition)
        dimensions = [d.value for d in form.definition.dimensions]
        metrics = [m.value for m in form.definition.metrics]
        preview = report_view.preview(result, dimensions, metrics)
    if preview is not None:
        rows = preview.total_rows
        status = f"Preview updated: {rows} row{'' if rows == 1 else 's'}."
    else:
        status = "The report cannot be shown yet: see the messages beside the fields."
    return {
        "where": where,
        "workspace": where.access.workspace,
        "role": where.access.role,
        "can_save": where.access.role.at_least(Role.MEMBER),
        "form": form,
        "asked": asked,
        "preview": preview,
        "status_text": status,
        "field_names": _FIELD_NAMES,
        "field_ids": _FIELD_IDS,
    }


@router.get("/workspaces/{workspace_id}/reports/new")
async def builder(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    days: DaysText = None,
    start: FromText = None,
    to: DayText = None,
    project_id: ProjectChoice = None,
) -> Response:
    """The builder, with the preview of what its form holds (members of every role)."""
    built = await _built(request, session, caller, workspace_id, days, start, to, project_id)
    return await _page(request, session, caller, built)


@router.get("/workspaces/{workspace_id}/reports/preview")
async def preview(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    days: DaysText = None,
    start: FromText = None,
    to: DayText = None,
    project_id: ProjectChoice = None,
) -> Response:
    """htmx's preview: the table, the chart and the save form (a plain request: the page)."""
    built = await _built(request, session, caller, workspace_id, days, start, to, project_id)
    if request.headers.get("hx-request") != "true":
        return await _page(request, session, caller, built)
    query = urlencode(list(request.query_params.multi_items()))
    address = f"/workspaces/{built['workspace'].id}/reports/new" + (f"?{query}" if query else "")
    return render(
        request,
        "analytics/_preview.html",
        {**built, "oob_status": True},
        headers={"HX-Replace-Url": address},
    )


async def _page(
    request: Request, session: AsyncSession, caller: WebCaller, built: dict[str, Any]
) -> Response:
    where = built["where"]
    listed = await project_choices(session, where, built["form"].project_id)
    members = await workspaces.list_members(session, where.access, None, LISTED)
    context = {
        **built,
        "projects": listed,
        "members": sorted(members.items, key=lambda m: m.name.casefold()),
        "periods": PERIODS,
        "dimension_options": options(DIMENSION_LABELS),
        "metric_options": options(METRIC_LABELS),
        "status_options": [(s.value, STATUS_LABELS[s.value]) for s in Status],
        "priority_options": [(p.value, PRIORITY_LABELS[p.value]) for p in reversed(Priority)],
        "oob_status": False,
    }
    return await page(
        request,
        session,
        caller,
        "analytics/builder.html",
        context,
        workspace_id=where.access.workspace.id,
    )
