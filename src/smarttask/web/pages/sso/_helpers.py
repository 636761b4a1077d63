"""What the single sign-on pages share: the provider of a path, the browser's `st_sso`
cookie, the request's session for writing, the refusal page."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from smarttask.accounts.components import AuthComponents
from smarttask.kit.problems import NotFound
from smarttask.kit.ratelimit import enforce
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso import providers
from smarttask.sso.providers import ProviderFailed
from smarttask.sso.service import SignInRefused
from smarttask.web.render import render

log = logging.getLogger("smarttask.sso")
COOKIE = "st_sso"
COOKIE_PATH = "/auth/oidc"
METHODS = "/profile/sign-in-methods"
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{32,64}")
Name = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Param = Annotated[str, Query(max_length=2048)]
Secret = Annotated[str, Form(max_length=1024)]
Code = Annotated[str, Form(max_length=64)]
Short = Annotated[str, Form(max_length=100)]
# What a redirect back to the sign-in methods may ask the page to say.
SAVED = {
    "linked": "The account is linked: you can sign in with it from now on.",
    "unlinked": "The account is unlinked: it no longer signs you in.",
}


def _auth_ip_limit(request: Request) -> str:
    limit: str = request.app.state.settings.auth_ip_rate_limit
    return limit


# The sign-in pages' per-address limit (web/pages/auth.py), shared with them.
per_ip = [enforce("auth-ip", _auth_ip_limit)]


def sso_of(request: Request) -> SsoSettings:
    """The single sign-on settings."""
    sso: SsoSettings = request.app.state.settings.sso
    return sso


def auth_of(request: Request) -> AuthComponents:
    """The authentication components."""
    auth: AuthComponents = request.app.state.auth
    return auth


def secure(request: Request) -> bool:
    """Whether cookies are sent over HTTPS only (outside development)."""
    return bool(request.app.state.settings.env != "development")


def provider_of(sso: SsoSettings, name: str) -> SsoProviderSettings:
    """The configured provider of this name, else the 404 page."""
    found = sso.get(name)
    if found is None:
        raise NotFound("There is no such sign-in provider.")
    return found


def browser_of(request: Request) -> str:
    """This browser's `st_sso` value (a new one, the same for the whole request, when it
    has none or a malformed one)."""
    state = request.scope.setdefault("state", {})
    if "sso_browser" not in state:
        value = request.cookies.get(COOKIE, "")
        state["sso_browser"] = value if COOKIE_VALUE.fullmatch(value) else secrets.token_urlsafe(32)
    browser: str = state["sso_browser"]
    return browser


def keep_browser(request: Request, response: Response, value: str) -> None:
    """Set the `st_sso` cookie that binds attempts to this browser."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=sso_of(request).attempt_ttl_seconds,
        httponly=True,
        secure=secure(request),
        samesite="lax",  # sent along when the provider redirects the browser back
        path=COOKIE_PATH,
    )


def writing(request: Request) -> AsyncSession:
    """The request's session, for writing: the provider's redirects are GETs that change
    state (an attempt spent, a login opened). Taken only after the provider answered."""
    uow = unit_of_work(request.scope)
    if not uow.writes:
        assert not uow.used, "the session was opened read-only already"
        uow.writes = True
    return uow.session


async def prefetch(request: Request, provider: Name) -> None:
    """Fetch an OpenID provider's discovery document before the request's transaction
    starts (a page that writes opens it with its caller)."""
    sso = sso_of(request)
    names = {provider}
    if request.method == "POST":
        chosen = (await request.form()).get("confirm_with")
        if isinstance(chosen, str):
            names.add(chosen[:32])
    for name in names:
        found = sso.get(name)
        if found is not None and found.kind == "oidc":
            with contextlib.suppress(ProviderFailed):  # the route says so
                await providers.discover(found, sso)


Prefetched = Annotated[None, Depends(prefetch)]


def refused_page(
    request: Request, refused: SignInRefused, *, back: str = "/login", provider: str = ""
) -> Response:
    """The page of a refused sign-in or link: what happened, what to do, a way back."""
    log.info("sso refused", extra={"provider": provider, "reason": refused.reason})
    back_label = "Back to sign-in methods" if back == METHODS else "Back to sign in"
    context = {
        "title": refused.title,
        "message": refused.message,
        "back": back,
        "back_label": back_label,
    }
    return render(request, "auth/sso_refused.html", context, status=refused.status)


def failed_page(failed: ProviderFailed) -> SignInRefused:
    """The refusal of an answer the provider's protocol checks refused."""
    return SignInRefused(
        failed.reason, "The sign-in could not be completed", failed.message, status=400
    )
