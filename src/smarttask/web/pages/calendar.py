"""The calendar feed page, /profile/calendar: turn the secret link on, replace it, turn it off.

The page calls the functions the API's /users/me/calendar-feed routes call
(calendar.service). The link is shown once, in the answer that created it; afterwards
the page says only whether one is on, since when and when a calendar last fetched it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask.calendar import service
from smarttask.kit.session import SessionDep
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.signin import WebCaller

router = APIRouter(include_in_schema=False)
PATH = "/profile/calendar"
# What a redirect after a change may ask the page to say (never text from the request).
SAVED = {"off": "Your calendar link is turned off: it no longer works anywhere."}


def _webcal(url: str) -> str:
    """The link as a `webcal://` address, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


async def _calendar_page(
    request: Request,
    session: SessionDep,
    caller: WebCaller,
    *,
    new_url: str | None = None,
    saved: str | None = None,
) -> Response:
    feed = await service.read(session, caller.user)
    context: dict[str, Any] = {
        "feed": feed,
        "new_url": new_url,
        "webcal_url": _webcal(new_url) if new_url else None,
        "max_events": service.MAX_EVENTS,
        "saved": SAVED.get(saved or ""),
    }
    return await page(request, session, caller, "calendar/calendar.html", context)


@router.get(PATH)
async def show_calendar(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    saved: str | None = Query(default=None, max_length=40),
) -> Response:
    """Whether the feed is on, and how to subscribe to it."""
    return await _calendar_page(request, session, caller, saved=saved)


@router.post(PATH)
async def create_link(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """A new link (replacing the old one); this answer is the only page that shows it."""
    public_url: str = request.app.state.settings.public_url
    created = await service.create(session, caller.user, public_url)
    return await _calendar_page(request, session, caller, new_url=created.url)


@router.post(PATH + "/off")
async def turn_off(session: SessionDep, caller: PageCaller) -> Response:
    """Turn the feed off: its link stops working at once."""
    await service.turn_off(session, caller.user)
    return RedirectResponse(PATH + "?saved=off", status_code=303)
