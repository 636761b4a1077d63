"""One's sign-in methods: `/profile/sign-in-methods`, linking and unlinking providers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import service as accounts
from smarttask.kit.problems import NotFound, ProblemError, ValidationFailed
from smarttask.kit.session import SessionDep
from smarttask.settings import SsoProviderSettings
from smarttask.sso import links, service
from smarttask.sso.providers import ProviderFailed
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.profile.view import Refusal, proof, refusal, shown
from smarttask.web.pages.sso._helpers import (
    METHODS,
    SAVED,
    Code,
    Name,
    Prefetched,
    Secret,
    Short,
    auth_of,
    browser_of,
    keep_browser,
    provider_of,
    sso_of,
)
from smarttask.web.signin import WebCaller

router = APIRouter()


async def _methods_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    *,
    refused: Refusal | None = None,
    saved: str | None = None,
) -> Response:
    """The sign-in methods page, fresh or with one form's refusal."""
    sso = sso_of(request)
    user = caller.user
    rows = await links.identities(session, user)
    linked = {row.provider: row for row in rows}
    context: dict[str, Any] = {
        "user": user,
        "methods": [(p, linked.get(p.name)) for p in sso.providers],
        "stale": [row for row in rows if sso.get(row.provider) is None],
        "ways_in": sum(1 for row in rows if sso.get(row.provider) is not None),
        "has_password": user.password_hash is not None,
        "confirm_with": links.confirmable(sso, rows),
        "form": refused.form if refused else None,
        "errors": refused.errors if refused else {},
        "error": refused.error if refused else None,
        "saved": SAVED.get(saved or ""),
    }
    return await page(
        request,
        session,
        caller,
        "profile/sign_in_methods.html",
        context,
        status=refused.status if refused else 200,
        headers=refused.headers if refused else None,
    )


@router.get(METHODS)
async def sign_in_methods(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    saved: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The password and the linked providers; link another, unlink one."""
    return await _methods_page(request, session, caller, saved=saved)


async def _proven_or_confirming(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    *,
    current_password: str,
    code: str,
    confirm_with: str,
    follow_up: str,
) -> str | None:
    """Check the proof of the form; with `confirm_with` (a linked provider) instead, start
    signing in again there and return its URL (the follow-up runs when it comes back)."""
    if not confirm_with:
        await accounts.reauthenticate(
            session,
            auth_of(request),
            caller.user,
            password=proof(current_password),
            totp_code=proof(code.strip()),
        )
        return None
    if caller.user.password_hash is not None or caller.user.totp_enabled:
        # Who has a password or TOTP proves it with them (a provider may not ask again).
        said = "Prove it is you with your current password or a one-time code."
        raise ValidationFailed(
            said, errors=[{"loc": ["body", "current_password"], "msg": said, "type": "missing"}]
        )
    sso = sso_of(request)
    rows = await links.identities(session, caller.user)
    by = next((p for p in links.confirmable(sso, rows) if p.name == confirm_with), None)
    if by is None:
        raise NotFound("There is no such sign-in method.")
    return await service.start(
        session,
        sso,
        by,
        browser=browser_of(request),
        next_path=METHODS,
        user=caller.user,
        session_id=caller.session_id,
        follow_up=follow_up,
    )


async def _continue(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    url: str,
    to: SsoProviderSettings,
    purpose: str,
) -> Response:
    """The page whose button takes the browser to the provider (see the module's note)."""
    context = {"url": url, "to": to, "purpose": purpose}
    response = await page(request, session, caller, "auth/sso_continue.html", context)
    keep_browser(request, response, browser_of(request))
    return response


@router.post(f"{METHODS}/{{provider}}/link")
async def link(
    request: Request,
    provider: Name,
    _ready: Prefetched,
    session: SessionDep,
    caller: PageCaller,
    current_password: Secret = "",
    code: Code = "",
    confirm_with: Short = "",
) -> Response:
    """Prove it is you, then on to the provider to choose the account to link."""
    sso = sso_of(request)
    found = provider_of(sso, provider)
    form = f"link-{found.name}"
    try:
        await links.can_link(session, caller.user, found)
        url = await _proven_or_confirming(
            request,
            session,
            caller,
            current_password=current_password,
            code=code,
            confirm_with=confirm_with,
            follow_up=f"link:{found.name}",
        )
        to = found if url is None else provider_of(sso, confirm_with)
        if url is None:
            url = await service.start(
                session,
                sso,
                found,
                browser=browser_of(request),
                next_path=METHODS,
                user=caller.user,
                session_id=caller.session_id,
            )
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await _methods_page(request, session, caller, refused=refusal(form, problem))
    except ProviderFailed as failed:
        refused = Refusal(form, {}, failed.message, 503, {})
        return await _methods_page(request, session, caller, refused=refused)
    purpose = "link" if to is found else f"confirm-link:{found.display_name}"
    return await _continue(request, session, caller, url, to, purpose)


@router.post(f"{METHODS}/{{provider}}/unlink")
async def unlink(
    request: Request,
    provider: Name,
    _ready: Prefetched,
    session: SessionDep,
    caller: PageCaller,
    current_password: Secret = "",
    code: Code = "",
    confirm_with: Short = "",
) -> Response:
    """Prove it is you, then the provider no longer signs you in (never the last way in)."""
    sso = sso_of(request)
    form = f"unlink-{provider}"
    try:
        url = await _proven_or_confirming(
            request,
            session,
            caller,
            current_password=current_password,
            code=code,
            confirm_with=confirm_with,
            follow_up=f"unlink:{provider}",
        )
        if url is None:
            await links.unlink(session, sso, caller.user, provider)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await _methods_page(request, session, caller, refused=refusal(form, problem))
    except ProviderFailed as failed:
        refused = Refusal(form, {}, failed.message, 503, {})
        return await _methods_page(request, session, caller, refused=refused)
    if url is None:
        return RedirectResponse(f"{METHODS}?saved=unlinked", status_code=303)
    to = provider_of(sso, confirm_with)
    return await _continue(request, session, caller, url, to, f"confirm-unlink:{provider}")
