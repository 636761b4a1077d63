"""The trip to a provider and back: `/auth/oidc/<provider>/login` and `/callback`."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask import securitylog
from smarttask.kit.problems import ProblemError
from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso import links, providers, service
from smarttask.sso.models import CONFIRM, LINK
from smarttask.sso.providers import Person, ProviderFailed
from smarttask.sso.service import Claimed, SignInRefused
from smarttask.web import signin
from smarttask.web.deps import MaybeCaller
from smarttask.web.pages.auth import safe_next
from smarttask.web.pages.sso._helpers import (
    COOKIE,
    METHODS,
    Name,
    Param,
    auth_of,
    browser_of,
    failed_page,
    keep_browser,
    log,
    per_ip,
    provider_of,
    refused_page,
    secure,
    sso_of,
    writing,
)
from smarttask.web.render import render
from smarttask.web.signin import WebCaller

router = APIRouter()


@router.get("/auth/oidc/{provider}/login", dependencies=per_ip)
async def start_sign_in(
    request: Request,
    provider: Name,
    caller: MaybeCaller,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Send the browser to the provider, with a new attempt bound to it."""
    sso = sso_of(request)
    found = provider_of(sso, provider)
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    browser = browser_of(request)
    try:
        url = await service.start(
            writing(request), sso, found, browser=browser, next_path=safe_next(next)
        )
    except ProviderFailed as failed:
        return refused_page(request, failed_page(failed), provider=found.name)
    response = RedirectResponse(url, status_code=303)
    keep_browser(request, response, browser)
    return response


@router.get("/auth/oidc/{provider}/callback", dependencies=per_ip)
async def callback(
    request: Request,
    provider: Name,
    state: Param = "",
    code: Param = "",
    error: Param = "",
    iss: Param = "",
) -> Response:
    """Where the provider sends the browser back: finish the sign-in, link or confirmation."""
    sso = sso_of(request)
    found = provider_of(sso, provider)
    database = request.app.state.database
    try:
        claimed = await service.claim(database, found.name, state, request.cookies.get(COOKIE))
    except SignInRefused as refused:
        return refused_page(request, refused, provider=found.name)
    back = "/login" if claimed.intent not in (LINK, CONFIRM) else METHODS
    try:
        person = await _verified(sso, found, claimed, code=code, error=error, iss=iss)
    except SignInRefused as refused:
        if claimed.intent not in (LINK, CONFIRM):
            _sign_in_failed(request, found, refused)
        return refused_page(request, refused, back=back, provider=found.name)
    if claimed.intent == LINK:
        return await _linked(request, found, person, claimed)
    if claimed.intent == CONFIRM:
        return await _confirmed(request, sso, found, person, claimed)
    return await _signed_in(request, found, person, claimed)


def _sign_in_failed(request: Request, found: SsoProviderSettings, refused: SignInRefused) -> None:
    """`login.failed` of a single sign-on the rules refused, written once the request's
    transaction has ended (it rolls back with the refusal)."""
    securitylog.record_after(
        writing(request),
        "login.failed",
        actor_id=refused.user_id,
        target_id=refused.user_id,
        details={"reason": refused.reason, "method": "sso", "provider": found.name},
    )


async def _verified(
    sso: SsoSettings,
    found: SsoProviderSettings,
    claimed: Claimed,
    *,
    code: str,
    error: str,
    iss: str,
) -> Person:
    """The provider's answer, verified; SignInRefused with the page's words otherwise."""
    name = found.display_name
    if error:
        raise SignInRefused(
            "provider_error",
            "The sign-in was not completed",
            f"{name} did not sign you in"
            + (" (you cancelled it)." if error == "access_denied" else ".")
            + " You can try again.",
            status=400,
        )
    if not code:
        raise SignInRefused(
            "code_missing",
            "The sign-in was not completed",
            f"{name} sent the browser back without a sign-in code. Start again.",
            status=400,
        )
    if iss and found.kind == "oidc" and iss != found.issuer:
        # RFC 9207: an answer that names another issuer is not this provider's.
        raise SignInRefused(
            "issuer_mismatch",
            "The sign-in could not be completed",
            "The answer came from another identity provider than the one you chose. Start again.",
            status=400,
        )
    if claimed.intent == CONFIRM and claimed.follow_up and claimed.follow_up.startswith("link:"):
        target = sso.get(claimed.follow_up.removeprefix("link:"))
        if target is not None and target.kind == "oidc":
            with contextlib.suppress(ProviderFailed):  # _confirmed says so
                await providers.discover(target, sso)  # before the transaction starts
    try:
        return await providers.verified_person(found, sso, code, claimed.trip)
    except ProviderFailed as failed:
        log.warning("sso answer refused", extra={"provider": found.name, "reason": failed.reason})
        raise failed_page(failed) from None


async def _signed_in(
    request: Request, found: SsoProviderSettings, person: Person, claimed: Claimed
) -> Response:
    """The account of the verified person, signed in (or on to the TOTP step)."""
    session = writing(request)
    auth = auth_of(request)
    vouched = service.second_factor_done(found, person)
    try:
        user = await service.account_for(session, found, person, second_factor_done=vouched)
    except SignInRefused as refused:
        _sign_in_failed(request, found, refused)
        return refused_page(request, refused, provider=found.name)
    outcome = await signin.sign_in_verified(
        session,
        auth,
        user,
        device_token=request.cookies.get(signin.DEVICE_COOKIE),
        second_factor_done=vouched,
        method="sso",
        provider=found.name,
    )
    target = safe_next(claimed.next_path)
    if isinstance(outcome, signin.CodeNeeded):
        context = {"next": target, "step": outcome.step, "error": None}
        return render(request, "auth/code.html", context)
    response = RedirectResponse(target, status_code=303)
    signin.keep(response, outcome, secure=secure(request))
    return response


async def _own_caller(request: Request, claimed: Claimed) -> WebCaller:
    """The signed-in person who started this link or confirmation, still in the same login."""
    writing(request)
    caller = await signin.caller(request)
    if (
        caller is None
        or caller.user.id != claimed.user_id
        or caller.session_id != claimed.session_id
    ):
        raise SignInRefused(
            "link_session_changed",
            "Sign in again to change your sign-in methods",
            "This browser is no longer signed in as the person who started this. Sign in, "
            "then start again from your sign-in methods.",
        )
    return caller


async def _linked(
    request: Request, found: SsoProviderSettings, person: Person, claimed: Claimed
) -> Response:
    """Link the verified person to the signed-in user who asked for it."""
    try:
        caller = await _own_caller(request, claimed)
        await links.link(writing(request), found, person, caller.user)
    except SignInRefused as refused:
        return refused_page(request, refused, back=METHODS, provider=found.name)
    return RedirectResponse(f"{METHODS}?saved=linked", status_code=303)


async def _confirmed(
    request: Request,
    sso: SsoSettings,
    found: SsoProviderSettings,
    person: Person,
    claimed: Claimed,
) -> Response:
    """The person signed in again at a linked provider: now do what they asked for."""
    session = writing(request)
    action, _, target = (claimed.follow_up or "").partition(":")
    try:
        caller = await _own_caller(request, claimed)
        await links.confirm(session, found, person, caller.user, claimed)
        if action == "unlink":
            await links.unlink(session, sso, caller.user, target)
            return RedirectResponse(f"{METHODS}?saved=unlinked", status_code=303)
        wanted = provider_of(sso, target)
        await links.can_link(session, caller.user, wanted)
        url = await service.start(
            session,
            sso,
            wanted,
            browser=browser_of(request),
            next_path=METHODS,
            user=caller.user,
            session_id=caller.session_id,
        )
    except SignInRefused as refused:
        return refused_page(request, refused, back=METHODS, provider=found.name)
    except ProviderFailed as failed:
        return refused_page(request, failed_page(failed), back=METHODS, provider=target)
    except ProblemError as problem:
        if problem.status not in (404, 409):
            raise
        undone = SignInRefused(
            "follow_up_refused", "That did not work", problem.detail, status=problem.status
        )
        return refused_page(request, undone, back=METHODS, provider=found.name)
    response = RedirectResponse(url, status_code=303)
    keep_browser(request, response, browser_of(request))
    return response
