"""The security log, for instance administrators (docs/security.md, Security log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from smarttask.accounts.deps import AdminUser
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.problems import ValidationFailed
from smarttask.kit.schemas import Timestamp
from smarttask.kit.session import SessionDep
from smarttask.securitylog import service
from smarttask.securitylog.repository import Filters
from smarttask.securitylog.schemas import (
    EVENT_PATTERN,
    MAX_EVENT_NAME,
    RANGE_ERROR,
    SecurityEventRead,
)

router = APIRouter(prefix="/audit-log", tags=["security log"])
UserId = Annotated[str | None, Query(min_length=1, max_length=64)]


async def security_log_filters(
    actor_id: UserId = None,
    target_id: UserId = None,
    event: Annotated[
        str | None,
        Query(max_length=MAX_EVENT_NAME, pattern=EVENT_PATTERN, description="e.g. login.failed"),
    ] = None,
    since: Annotated[
        Timestamp | None, Query(alias="from", description="RFC 3339; events at or after it")
    ] = None,
    until: Annotated[
        Timestamp | None, Query(alias="to", description="RFC 3339; events before it")
    ] = None,
) -> Filters:
    """The filters of the request; `from` later than `to` is a 422."""
    if since is not None and until is not None and since > until:
        raise ValidationFailed(
            "The request is not valid; see errors.",
            errors=[{"loc": ["query", "from"], "msg": RANGE_ERROR, "type": "value_error"}],
        )
    return Filters(actor_id, target_id, event, since, until)


@router.get("", response_model=Page[SecurityEventRead], responses=problems(401, 403, 422, 503))
async def list_security_events(
    _admin: AdminUser,
    session: SessionDep,
    filters: Annotated[Filters, Depends(security_log_filters)],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[SecurityEventRead]:
    """The instance's security events, newest first (instance administrators only)."""
    return await service.list_events(session, filters, cursor, limit)
