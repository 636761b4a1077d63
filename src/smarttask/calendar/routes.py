"""Calendar feed endpoints (docs/api.md, Calendar feed; docs/calendar.md)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from smarttask.accounts.deps import ControllingUser, CurrentUser
from smarttask.calendar import service
from smarttask.calendar.schemas import CalendarFeedCreated, CalendarFeedRead
from smarttask.kit.deps import SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep

router = APIRouter(tags=["calendar"])
PATH = "/users/me/calendar-feed"


@router.get(PATH, response_model=CalendarFeedRead, responses=problems(401, 503))
async def read_calendar_feed(user: CurrentUser, session: SessionDep) -> CalendarFeedRead:
    """Whether one's calendar feed is on (its URL is shown only when it is created)."""
    return await service.read(session, user)


@router.post(
    PATH,
    status_code=201,
    response_model=CalendarFeedCreated,
    responses=problems(401, 403, 429, 503),
)
async def create_calendar_feed(
    user: ControllingUser, session: SessionDep, settings: SettingsDep
) -> CalendarFeedCreated:
    """A new secret feed URL (signed-in sessions only); the previous URL is a 404 at once."""
    return await service.create(session, user, settings.public_url)


@router.delete(
    PATH, status_code=204, response_class=Response, responses=problems(401, 403, 429, 503)
)
async def delete_calendar_feed(user: ControllingUser, session: SessionDep) -> Response:
    """Turn the calendar feed off: its URL is a 404 from now on."""
    await service.turn_off(session, user)
    return Response(status_code=204)
