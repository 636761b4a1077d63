"""A workspace's saved reports ("Load more" by keyset), and saving one from the builder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError, ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.reports import service
from smarttask.reports.schemas import DeliveryRead, ReportCreate, ReportRead
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.reports import words
from smarttask.web.pages.reports.common import field_errors, owner_names, people, shown
from smarttask.web.pages.workspaces.common import Short, WorkspaceId, access
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter()
PAGE_SIZE = 25
Definition = Annotated[str, Form(max_length=20_000)]
_DELETED = "The report is deleted."


@dataclass(frozen=True, slots=True)
class Listed:
    """A report as the list shows it."""

    report: ReportRead
    owner: str
    schedule: str | None
    stopped: bool
    last: DeliveryRead | None


async def _listed(
    session: AsyncSession, found: WorkspaceAccess, cursor: str | None
) -> tuple[list[Listed], str | None]:
    """A page of the reports the caller may see, with their owners and last deliveries."""
    listed = await service.list_visible(session, found, cursor, PAGE_SIZE)
    names = await owner_names(
        session, await people(session, found), [item.owner_id for item in listed.items]
    )
    # Every report's: one whose schedule was removed keeps its deliveries.
    lasts = await service.last_deliveries(session, [item.id for item in listed.items])
    rows = []
    for item in listed.items:
        last = lasts.get(item.id)
        rows.append(
            Listed(
                report=item,
                owner=names[item.owner_id],
                schedule=words.schedule_summary(item.schedule),
                stopped=bool(item.schedule and item.schedule.stopped_reason),
                last=last,
            )
        )
    return rows, listed.next_cursor


def _more_url(workspace_id: str, cursor: str | None) -> str | None:
    return f"/workspaces/{workspace_id}/reports?cursor={cursor}" if cursor else None


@router.get("/workspaces/{workspace_id}/reports")
async def list_reports(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    cursor: Cursor = None,
    deleted: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The saved reports the caller may see: their own and the shared ones, oldest first;
    htmx's "Load more" gets the next ones only."""
    found = await access(session, caller, workspace_id)
    rows, next_cursor = await _listed(session, found, cursor)
    context: dict[str, Any] = {
        "workspace": found.workspace,
        "role": found.role,
        "rows": rows,
        "next_url": _more_url(found.workspace.id, next_cursor),
        "cursor": cursor,
        "notice": _DELETED if deleted else None,
    }
    if request.headers.get("hx-request") == "true" and cursor:
        return render(request, "reports/_more.html", {**context, "oob": True})
    return await page(
        request,
        session,
        caller,
        "reports/list.html",
        {**context, "oob": False},
        workspace_id=found.workspace.id,
    )


def _definition(text: str) -> Any:
    """The definition field's JSON (a refusal beside it when it is not JSON)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        message = "The report's definition is not valid: build the report again."
        raise ValidationFailed(
            forms.INVALID,
            errors=[{"loc": ["body", "definition"], "msg": message, "type": "json_invalid"}],
        ) from error


async def _refused(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    found: WorkspaceAccess,
    values: dict[str, str],
    problem: ProblemError,
) -> Response:
    """The save form again, with the refusal beside its fields."""
    errors = field_errors(problem)
    context = {
        "workspace": found.workspace,
        "values": values,
        "errors": errors,
        "error": problem.detail,
        # A refused definition cannot be fixed here: the builder makes a new one.
        "definition_ok": not any(name in errors for name in ("definition", "__all__")),
    }
    return await page(
        request,
        session,
        caller,
        "reports/save.html",
        context,
        workspace_id=found.workspace.id,
        status=problem.status,
    )


@router.post("/workspaces/{workspace_id}/reports")
async def create_report(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    name: Short = "",
    visibility: Short = "private",
    definition: Definition = "",
) -> Response:
    """Save the builder's report (members and above, as in the API); on to its page."""
    found = await access(session, caller, workspace_id, Role.MEMBER)
    values = {"name": name, "visibility": visibility, "definition": definition}
    try:
        body = forms.parse(
            ReportCreate,
            {"name": name, "visibility": visibility, "definition": _definition(definition)},
        )
        report = await service.create(session, found, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await _refused(request, session, caller, found, values, problem)
    return RedirectResponse(f"/reports/{report.id}?saved=created", status_code=303)
