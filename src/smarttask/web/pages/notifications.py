"""Pages of notifications: the inbox (with its badge and list fragments for live updates),
watching a task, and the preferences with the time zone.

Every route goes through `notifications.service` (and `accounts.profile` for the zone) as
the API does; the forms work without JavaScript (303 back to the page), htmx swaps the
fragments in place. Live updates: the badge and the list carry `data-live` with the
notification events of the user's own stream and refresh on the DOM event `live`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import profile
from smarttask.accounts.schemas import UserUpdate
from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError, ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.notifications import service
from smarttask.notifications.kinds import LABELS, EmailMode, Kind
from smarttask.notifications.reads import unread_badge
from smarttask.notifications.schemas import PreferencesUpdate
from smarttask.web import forms
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces.schemas import time_zones

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
Flag = Annotated[str | None, Query(max_length=8)]
EMAIL_CHOICES = (
    (EmailMode.OFF, "No mail"),
    (EmailMode.INSTANT, "At once"),
    (EmailMode.DAILY, "Daily digest"),
)


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _more_url(unread: bool, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return f"/notifications?cursor={cursor}" + ("&unread=true" if unread else "")


async def _inbox(
    session: AsyncSession, caller: WebCaller, unread: bool, cursor: str | None
) -> dict[str, Any]:
    listed = await service.inbox(
        session, caller.user, unread_only=unread, cursor=cursor, limit=PAGE_SIZE
    )
    return {
        "items": listed.items,
        "next_url": _more_url(unread, listed.next_cursor),
        "unread_only": unread,
        "cursor": cursor,
    }


@router.get("/notifications")
async def inbox(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    cursor: Cursor = None,
    unread: Flag = None,
) -> Response:
    """The inbox, newest first; htmx's "Load more" gets the next ones only."""
    context = await _inbox(session, caller, unread == "true", cursor)
    if _htmx(request) and cursor:
        return render(request, "notifications/_more.html", {**context, "oob": True})
    return await page(
        request, session, caller, "notifications/inbox.html", {**context, "oob": False}
    )


@router.get("/notifications/list")
async def inbox_list(
    request: Request, session: SessionDep, caller: PageCaller, unread: Flag = None
) -> Response:
    """The first page of the inbox as a fragment (what a live update swaps in)."""
    context = await _inbox(session, caller, unread == "true", None)
    return render(request, "notifications/_list.html", {**context, "oob": False})


@router.get("/notifications/badge")
async def badge(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """The unread badge of the top bar, as a fragment."""
    count = await unread_badge(None, session, caller.user.id)
    return render(request, "notifications/_badge.html", {"unread_count": count})


def _back(unread: bool) -> Response:
    return RedirectResponse("/notifications" + ("?unread=true" if unread else ""), 303)


@router.post("/notifications/read-all")
async def read_all(
    request: Request, session: SessionDep, caller: PageCaller, unread: Flag = None
) -> Response:
    """Mark everything read."""
    await service.mark_all_read(session, caller.user)
    if _htmx(request):
        context = await _inbox(session, caller, unread == "true", None)
        count = await unread_badge(None, session, caller.user.id)
        return render(
            request,
            "notifications/_list.html",
            {**context, "oob": False, "badge_oob": True, "unread_count": count},
        )
    return _back(unread == "true")


@router.post("/notifications/{notification_id}/read")
async def read_one(
    request: Request,
    notification_id: Id,
    session: SessionDep,
    caller: PageCaller,
    unread: Flag = None,
) -> Response:
    """Mark one item read (someone else's: the 404 page)."""
    item = await service.mark_read(session, caller.user, notification_id)
    if _htmx(request):
        count = await unread_badge(None, session, caller.user.id)
        return render(
            request,
            "notifications/_item.html",
            {
                "item": item,
                "unread_only": unread == "true",
                "badge_oob": True,
                "unread_count": count,
            },
        )
    return _back(unread == "true")


async def _watch_context(session: AsyncSession, caller: WebCaller, task_id: str) -> dict[str, Any]:
    found = await service.watching(session, caller.user, task_id)
    return {"task_id": found.task_id, "watching": found.watching, "loaded": True}


@router.get("/notifications/watch/{task_id}")
async def watch_state(
    request: Request, task_id: Id, session: SessionDep, caller: PageCaller
) -> Response:
    """Whether the caller watches a task: the button (htmx) or a small page (no JS)."""
    context = await _watch_context(session, caller, task_id)
    if _htmx(request):
        return render(request, "tasks/_watch.html", context)
    return await page(request, session, caller, "notifications/watch.html", context)


@router.post("/notifications/watch/{task_id}")
async def watch(
    request: Request,
    task_id: Id,
    session: SessionDep,
    caller: PageCaller,
    watch: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Watch (watch=on) or stop watching (watch=off) a task the caller can see."""
    if watch not in ("on", "off"):
        raise ValidationFailed(
            forms.INVALID,
            errors=[{"loc": ["body", "watch"], "msg": "on or off", "type": "enum"}],
        )
    if watch == "on":
        found = await service.watch(session, caller.user, task_id)
    else:
        found = await service.unwatch(session, caller.user, task_id)
    if _htmx(request):
        context = {"task_id": found.task_id, "watching": found.watching, "loaded": True}
        return render(request, "tasks/_watch.html", context)
    return RedirectResponse(f"/tasks/{found.task_id}", status_code=303)


def _matrix(found: dict[Kind, Any]) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind.value,
            "label": LABELS[kind],
            "in_app": found[kind].in_app,
            "email": found[kind].email.value,
        }
        for kind in Kind
    ]


async def _preferences_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = await service.preferences(session, caller.user)
    context = {
        "rows": _matrix(dict(found.preferences)),
        "choices": EMAIL_CHOICES,
        "zones": time_zones(),
        "timezone": caller.user.timezone,
        "saved": saved,
        "errors": errors or {},
        "digest_hour": request.app.state.settings.notification_digest_hour,
    }
    return await page(
        request, session, caller, "notifications/preferences.html", context, status=status
    )


@router.get("/profile/notifications")
async def preferences(
    request: Request, session: SessionDep, caller: PageCaller, saved: Flag = None
) -> Response:
    """The preference matrix (types by inbox and mail) and the time zone."""
    return await _preferences_page(request, session, caller, saved=saved == "1")


@router.post("/profile/notifications")
async def save_preferences(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """Save the matrix and the time zone (both checked by the API's own schemas)."""
    form = await request.form()
    chosen = {
        kind.value: {
            "in_app": form.get(f"{kind.value}.in_app") == "on",
            "email": str(form.get(f"{kind.value}.email", "")),
        }
        for kind in Kind
    }
    try:
        body = forms.parse(PreferencesUpdate, {"preferences": chosen})
        zone = forms.parse(UserUpdate, {"timezone": str(form.get("timezone", ""))})
        await service.set_preferences(session, caller.user, body)
        await profile.update_profile(session, request.app.state.auth, caller.user, zone)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        return await _preferences_page(
            request, session, caller, errors=forms.field_errors(problem), status=422
        )
    return RedirectResponse("/profile/notifications?saved=1", status_code=303)
