"""The security log page, /admin/security-log: instance administrators only.

The filters are a GET form checked by the schema the API's `GET /api/v1/audit-log` filters
follow (securitylog/schemas.py), a refusal shown beside its field; the page reads through
the same `securitylog.service.list_events`. Anyone else gets the page an unknown address
gets (404): nothing says the page exists.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from smarttask.accounts import repository as accounts
from smarttask.kit.pagination import Cursor, Page
from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.securitylog import service
from smarttask.securitylog.schemas import KNOWN_EVENTS, SecurityEventRead, SecurityLogQuery
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page

router = APIRouter(include_in_schema=False)
PATH = "/admin/security-log"
PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=100)]
# A `datetime-local` field's value (no offset): the page's times are UTC.
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_NOT_FOUND = "No resource lives at this address."  # what an unknown address answers


def _as_rfc3339(value: str) -> str:
    """A `datetime-local` value as the RFC 3339 timestamp it means (UTC); others unchanged."""
    value = value.strip()
    if _LOCAL_TIME.fullmatch(value):
        return (value if value.count(":") == 2 else value + ":00") + "Z"
    return value


def _typed(moment: datetime | None) -> str:
    """A timestamp as a `datetime-local` field shows it (UTC)."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _shown(value: Any) -> str:
    """A detail's value as text: yes / no, a dash for nothing, JSON for lists and objects."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _details(event: SecurityEventRead) -> list[tuple[str, str]]:
    """An event's details as (name, text) pairs, in the order they were written."""
    return [(key, _shown(value)) for key, value in event.details.items()]


@router.get(PATH)
async def security_log_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    event: Text = "",
    actor_id: Text = "",
    target_id: Text = "",
    since: Annotated[str, Query(alias="from", max_length=40)] = "",
    until: Annotated[str, Query(alias="to", max_length=40)] = "",
    cursor: Cursor = None,
) -> Response:
    """The instance's security events, newest first, with their filters."""
    if not caller.user.is_admin:
        raise NotFound(_NOT_FOUND)
    typed = {
        "event": event.strip(),
        "actor_id": actor_id.strip(),
        "target_id": target_id.strip(),
        "from": since.strip(),
        "to": until.strip(),
    }
    values = {"from": _as_rfc3339(typed["from"]), "to": _as_rfc3339(typed["to"])}
    asked = {**typed, **values}
    found: Page[SecurityEventRead] | None = None
    errors: dict[str, str] = {}
    status = 200
    try:
        query = forms.parse(SecurityLogQuery, {k: v for k, v in asked.items() if v})
        found = await service.list_events(session, query.filters(), cursor, PAGE_SIZE)
        typed["from"], typed["to"] = _typed(query.since), _typed(query.until)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        errors, status = forms.field_errors(problem), 422
    items = found.items if found else []
    people = await accounts.get_users(
        session, {i for e in items for i in (e.actor_id, e.target_id) if i is not None}
    )
    filters = {k: v for k, v in asked.items() if v}
    context: dict[str, Any] = {
        "events": items,
        "next_cursor": found.next_cursor if found else None,
        "cursor": cursor,
        "people": people,
        "details": _details,
        "typed": typed,
        "filters": filters,
        "errors": errors,
        "known_events": KNOWN_EVENTS,
        "retention_days": request.app.state.settings.security_log_retention_days,
    }
    return await page(request, session, caller, "admin/security_log.html", context, status=status)
