"""The data export page, /profile/export: ask for an export (with the password, or a
one-time code), see how it is going, download it when it is ready.

The page calls the functions the API's /users/me/export routes call (exports.service),
with the API's request schema and proof of presence: a wrong password is said beside the
field, and counts like a failed sign-in. The download button leads to
/profile/export/download, which sends this browser (signed in, the export's owner) on to
a download URL made at that moment, valid for minutes; no long-lived URL is ever on the
page or in a mail. While the export is being built its part of the page refreshes itself
when the person's live stream says `export.finished` (static/live.js).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.accounts.components import AuthComponents
from smarttask.adapters.storage.factory import build_storage
from smarttask.exports import service
from smarttask.exports.building import human_size
from smarttask.exports.schemas import ExportRead, ExportRequest
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.settings import Settings
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.profile.view import Refusal, Secret, proof, refusal, shown
from smarttask.web.render import render
from smarttask.web.signin import WebCaller

router = APIRouter(include_in_schema=False)
PATH = "/profile/export"
# What a redirect after a change may ask the page to say (never text from the request).
SAVED = {
    "requested": "Your export is being prepared. It appears below when it is ready, and we "
    "mail you a link to this page.",
}
# Pages are never stored (web/render.py); neither is the way to a download URL.
_NO_STORE = {"Cache-Control": "no-store"}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _latest(request: Request, session: AsyncSession, caller: WebCaller) -> ExportRead:
    """The person's newest export, as the API's GET answers it."""
    settings = _settings(request)
    storage = build_storage(settings.files)
    return await service.read(session, caller.user, storage, settings.exports)


def _status_context(export: ExportRead) -> dict[str, Any]:
    return {
        "export": export,
        "open": export.status in ("queued", "running"),
        "size": human_size(export.size) if export.size is not None else None,
    }


def _rate_text(limit: str) -> str:
    """SMARTTASK_EXPORT_RATE_LIMIT for people: "1/hour" as "1 export per hour"."""
    amount, _, period = limit.partition("/")
    return f"{amount.strip()} export{'' if amount.strip() == '1' else 's'} per {period.strip()}"


async def _export_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    *,
    refused: Refusal | None = None,
    saved: str | None = None,
) -> Response:
    settings = _settings(request).exports
    context: dict[str, Any] = {
        **_status_context(await _latest(request, session, caller)),
        "user": caller.user,
        "errors": refused.errors if refused else {},
        "error": refused.error if refused else None,
        "saved": SAVED.get(saved or ""),
        "retention_hours": settings.retention_hours,
        "download_minutes": max(1, settings.download_ttl_seconds // 60),
        "rate_limit": _rate_text(settings.rate_limit) if settings.rate_limit_enabled else None,
    }
    return await page(
        request,
        session,
        caller,
        "export/export.html",
        context,
        status=refused.status if refused else 200,
        headers=refused.headers if refused else None,
    )


@router.get(PATH)
async def show_export(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    saved: str | None = Query(default=None, max_length=40),
) -> Response:
    """The newest export's status, the download button when ready, and the request form."""
    return await _export_page(request, session, caller, saved=saved)


@router.get(PATH + "/status")
async def export_status(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """The status part alone (htmx refreshes it when the export finishes)."""
    context = _status_context(await _latest(request, session, caller))
    return render(request, "export/_status.html", context)


@router.post(PATH)
async def request_export(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    current_password: Secret = "",
    totp_code: Secret = "",
) -> Response:
    """Ask for an export (needs the password, or a one-time code where TOTP is on)."""
    auth: AuthComponents = request.app.state.auth
    values = {"current_password": proof(current_password), "totp_code": proof(totp_code)}
    try:
        body = forms.parse(ExportRequest, values)
        await service.request(session, auth, caller.user, body, _settings(request).exports)
    except ProblemError as problem:
        if not shown(problem):
            raise
        refused = _refusal(problem)
        return await _export_page(request, session, caller, refused=refused)
    return RedirectResponse(PATH + "?saved=requested", status_code=303)


def _refusal(problem: ProblemError) -> Refusal:
    """The rate limit is said above the form; a failed proof beside the password."""
    if problem.extra.get("code") == "export_rate_limited":
        headers = {k: v for k, v in problem.headers.items() if k.lower() == "retry-after"}
        return Refusal("export", {}, problem.detail, 429, headers)
    return refusal("export", problem)


@router.get(PATH + "/download")
async def download(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """On to a download URL of the person's ready export made now (else back to the page)."""
    export = await _latest(request, session, caller)
    target = export.download_url or PATH
    return RedirectResponse(target, status_code=303, headers=_NO_STORE)
