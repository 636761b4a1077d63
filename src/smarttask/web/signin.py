"""The web app's session: a cookie naming a login, checked like an access token.

Signing in through a page opens a login exactly as the API's `/auth/login` does
(accounts/service.py: lockout, the TOTP step, disabled users): a refresh-token family. The
cookie carries a signed token of kind `web` (never accepted as a bearer token, nor a bearer
token as it) naming the user and that login, valid as long as the login's refresh token.
Every request checks, in one statement, that the user is active and the login not revoked
(accounts/lookups.py): signing out, a password change or an administrator disabling the
account ends the session at once. A TOTP user's first step ends with a five-minute signed
step token instead; the code page sends it back with the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request, Response

from smarttask.accounts import lookups, repository, service
from smarttask.accounts.tokens import SIGN_IN_STEP, WEB_SESSION, InvalidToken
from smarttask.db.types import new_id, utcnow
from smarttask.kit.problems import Unauthorized
from smarttask.kit.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.accounts.components import AuthComponents
    from smarttask.accounts.models import User
    from smarttask.accounts.schemas import LoginTokens

SESSION_COOKIE = "st_session"
DEVICE_COOKIE = "st_device"
STEP_SECONDS = 300
_DEVICE_SECONDS = 365 * 86400


@dataclass(frozen=True, slots=True)
class WebCaller:
    """The signed-in person of a page request, and their login."""

    user: User
    session_id: str


@dataclass(frozen=True, slots=True)
class Opened:
    """A new web session: the cookie's value and lifetime, and the browser's device token."""

    cookie: str
    max_age: int
    device_token: str


@dataclass(frozen=True, slots=True)
class CodeNeeded:
    """The password was right; the one-time code is still to come."""

    step: str


async def caller(request: Request) -> WebCaller | None:
    """Who the request's session cookie signs in, if anyone (remembered on the request)."""
    state = request.scope.setdefault("state", {})
    if "web_caller" in state:
        found: WebCaller | None = state["web_caller"]
        return found
    state["web_caller"] = found = await _look_up(request)
    return found


async def _look_up(request: Request) -> WebCaller | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    auth: AuthComponents = request.app.state.auth
    try:
        claims = auth.tokens.verify(token, kind=WEB_SESSION)
    except InvalidToken:
        return None
    uow = unit_of_work(request.scope)
    if uow.writes:
        user = await lookups.signed_in_user_in(uow.session, claims.user_id, claims.session_id)
    else:
        user = await lookups.signed_in_user(
            uow.reader, auth.callers, claims.user_id, claims.session_id
        )
    return WebCaller(user, claims.session_id) if user is not None else None


def _opened(auth: AuthComponents, tokens: LoginTokens) -> Opened:
    claims = auth.tokens.verify(tokens.access_token)
    ttl = auth.settings.refresh_token_ttl_seconds
    cookie = auth.tokens.issue(
        claims.user_id, claims.session_id, utcnow(), kind=WEB_SESSION, ttl_seconds=ttl
    )
    return Opened(cookie, ttl, tokens.device_token)


async def sign_in(
    session: AsyncSession,
    auth: AuthComponents,
    *,
    email: str,
    password: str,
    device_token: str | None,
) -> Opened | CodeNeeded:
    """Check the password (accounts' rules); a session, or the TOTP step still to come."""
    try:
        tokens = await service.login(
            session,
            auth,
            email=email,
            password=password,
            totp_code=None,
            device_token=device_token,
        )
    except Unauthorized as refused:
        if refused.extra.get("code") != "totp_required":
            raise
        user = await repository.get_user_by_email(session, service.normalize_email(email))
        assert user is not None  # login checked the password of this very account
        return _code_needed(auth, user.id)
    return _opened(auth, tokens)


def _code_needed(auth: AuthComponents, user_id: str) -> CodeNeeded:
    """The TOTP step of a sign-in whose first step was right: a five-minute step token."""
    step = auth.tokens.issue(
        user_id, new_id(), utcnow(), kind=SIGN_IN_STEP, ttl_seconds=STEP_SECONDS
    )
    return CodeNeeded(step)


async def sign_in_verified(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    *,
    device_token: str | None,
    second_factor_done: bool,
    **how: str,
) -> Opened | CodeNeeded:
    """Sign in a user a single sign-on provider verified: a session, or (TOTP on, and no
    second factor the operator trusts at the provider) the same code step as a password's."""
    if user.totp_enabled and not second_factor_done:
        return _code_needed(auth, user.id)
    tokens = await service.open_login(session, auth, user, device_token=device_token, **how)
    return _opened(auth, tokens)


async def sign_in_with_code(
    session: AsyncSession, auth: AuthComponents, *, step: str, code: str, device_token: str | None
) -> Opened:
    """The TOTP step: the step token of a right password, and a one-time code."""
    try:
        claims = auth.tokens.verify(step, kind=SIGN_IN_STEP)
    except InvalidToken as error:
        raise Unauthorized("The sign-in took too long; start again.") from error
    tokens = await service.login_with_code(
        session, auth, user_id=claims.user_id, totp_code=code, device_token=device_token
    )
    return _opened(auth, tokens)


async def sign_out(session: AsyncSession, caller: WebCaller) -> None:
    """End the caller's login (its cookie and any token of the same login stop working)."""
    await repository.revoke_family(session, caller.session_id, utcnow())


def keep(response: Response, opened: Opened, *, secure: bool) -> None:
    """Set the session and device cookies on the response."""
    response.set_cookie(
        SESSION_COOKIE,
        opened.cookie,
        max_age=opened.max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        DEVICE_COOKIE,
        opened.device_token,
        max_age=_DEVICE_SECONDS,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )


def forget(response: Response, *, secure: bool) -> None:
    """Delete the session cookie (the device cookie stays: it only helps signing in)."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
