"""Who is calling: typed dependencies every protected route declares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import lookups, repository
from smarttask.accounts.callers import CallerCache
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import User
from smarttask.accounts.tokens import API_TOKEN_PREFIX, InvalidToken, hash_secret
from smarttask.db.engine import Database
from smarttask.db.hooks import after_commit
from smarttask.db.types import utcnow
from smarttask.kit.openapi_problems import raises, raises_on_writes
from smarttask.kit.problems import Forbidden, TooManyRequests, Unauthorized
from smarttask.kit.ratelimit import enforce
from smarttask.kit.unit_of_work import UnitOfWork, unit_of_work

_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller and how it proved it."""

    user: User
    via: Literal["access_token", "api_token"]
    session_id: str | None = None
    api_token_id: str | None = None


async def get_auth(request: Request) -> AuthComponents:
    """The process's authentication components."""
    auth: AuthComponents = request.app.state.auth
    return auth


AuthDep = Annotated[AuthComponents, Depends(get_auth)]


def _unauthorized(detail: str, *, invalid: bool = True) -> Unauthorized:
    header = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return Unauthorized(detail, headers={"WWW-Authenticate": header})


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@raises(401)
@raises_on_writes(429)
async def current_principal(request: Request, response: Response, auth: AuthDep) -> Principal:
    """The authenticated caller, or a 401 with WWW-Authenticate.

    A read-only request looks the caller up in one statement on the request's reader,
    outside the ORM session (accounts/lookups.py), perhaps answered by the worker's cache
    of callers (accounts/callers.py); a writing request inside its own transaction.
    Every writing request counts against its user's write rate limit (429 past it).
    """
    uow = unit_of_work(request.scope)
    principal = await _principal(request, auth, uow)
    if uow.writes:
        await count_write(auth, principal.user.id, response)
    forget_caller_on_commit(auth, uow, principal.user.id)
    return principal


def forget_caller_on_commit(auth: AuthComponents, uow: UnitOfWork, user_id: str) -> None:
    """After a writing request commits, this worker's cache forgets its caller at once, so
    that its next reads see what the write changed (other workers' caches hear of it
    through PostgreSQL, accounts/callers.py)."""
    if not uow.writes or auth.callers.listener is None:
        return

    async def forget_caller() -> None:
        auth.callers.forget(user_id)

    after_commit(uow.session, forget_caller)


async def count_write(auth: AuthComponents, user_id: str, response: Response) -> None:
    """Count a write against the user's limit, across all their workspaces and tokens.

    Here, in the dependency every authenticated route declares, no writing route can
    forget it; with Redis configured the count is shared by every instance.
    """
    decision = await auth.limiter.hit("user-write", auth.settings.user_write_rate_limit, user_id)
    if decision is None:
        return
    if not decision.allowed:
        headers = decision.headers() | {"Retry-After": str(max(1, decision.reset_seconds))}
        raise TooManyRequests(
            f"Too many changes by this account; retry in {headers['Retry-After']} seconds.",
            headers=headers,
        )
    for name, value in decision.headers().items():
        response.headers.setdefault(name, value)


async def _principal(request: Request, auth: AuthComponents, uow: UnitOfWork) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("Authentication is required.", invalid=False)
    database: Database = request.app.state.database
    if token.startswith(API_TOKEN_PREFIX):
        if uow.writes:
            return await _from_api_token(uow.session, token)
        return await _from_api_token_read(uow.reader, auth.callers, database, token)
    try:
        claims = auth.tokens.verify(token)
    except InvalidToken as error:
        raise _unauthorized("The access token is invalid or expired.") from error
    # A stateless signature is not enough: a login revoked by logout, a password change or
    # a reused refresh token takes its access tokens with it.
    if uow.writes:
        user = await lookups.signed_in_user_in(uow.session, claims.user_id, claims.session_id)
    else:
        user = await lookups.signed_in_user(
            uow.reader, auth.callers, claims.user_id, claims.session_id
        )
    if user is None:
        raise _unauthorized("The access token is invalid or expired.")
    return Principal(user=user, via="access_token", session_id=claims.session_id)


def _refuse_api_token() -> Unauthorized:
    return _unauthorized("The API token is invalid, revoked or expired.")


async def _touch(database: Database, token_id: str, last_used_at: datetime | None) -> None:
    """Record a read-only request's use, at most once a minute, in a short transaction."""
    now = utcnow()
    if last_used_at is None or now - last_used_at >= _TOUCH_EVERY:
        async with database.session() as writer:
            await repository.touch_api_token(writer, token_id, now)
            await writer.commit()


async def _from_api_token_read(
    reader: lookups.OpenReader, callers: CallerCache, database: Database, token: str
) -> Principal:
    use = await lookups.api_token_use(reader, callers, hash_secret(token))
    if use is None or not use.usable(utcnow()):
        raise _refuse_api_token()
    await _touch(database, use.token_id, use.last_used_at)
    return Principal(user=use.user, via="api_token", api_token_id=use.token_id)


async def _from_api_token(session: AsyncSession, token: str) -> Principal:
    use = await lookups.api_token_use_in(session, hash_secret(token))
    now = utcnow()
    if use is None or not use.usable(now):
        raise _refuse_api_token()
    if use.last_used_at is None or now - use.last_used_at >= _TOUCH_EVERY:
        # At most one small write a minute per token, in the request's own transaction.
        await repository.touch_api_token(session, use.token_id, now)
    return Principal(user=use.user, via="api_token", api_token_id=use.token_id)


async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> User:
    """The authenticated user."""
    return principal.user


@raises(403)
async def current_admin(user: Annotated[User, Depends(current_user)]) -> User:
    """The authenticated user, who must be an instance administrator."""
    if not user.is_admin:
        raise Forbidden("Only instance administrators may do this.")
    return user


@raises(403)
async def account_controller(
    principal: Annotated[Principal, Depends(current_principal)],
) -> User:
    """The user of a signed-in session: API tokens never control an account (403).

    Checked before the body is: a token that leaked from a CI job learns nothing here.
    The route's service then wants proof of presence in the body (service.reauthenticate).
    """
    if principal.via == "api_token":
        raise Forbidden(
            "API tokens cannot change the account (tokens, two-factor authentication, email, "
            "password, erasure); sign in with the password instead.",
            extra={"code": "api_token_not_allowed"},
        )
    return principal.user


@raises(403)
async def controlling_admin(user: Annotated[User, Depends(account_controller)]) -> User:
    """A signed-in instance administrator (not an API token) changing other accounts."""
    if not user.is_admin:
        raise Forbidden("Only instance administrators may do this.")
    return user


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(current_admin)]
# Account control (docs/security.md, step-up): signed-in sessions only, proof in the body.
ControllingUser = Annotated[User, Depends(account_controller)]
ControllingAdmin = Annotated[User, Depends(controlling_admin)]


def _auth_ip_limit(request: Request) -> str:
    limit: str = request.app.state.settings.auth_ip_rate_limit
    return limit


# The per-address limit of every anonymous /auth route (sign-in, sign-up, password reset,
# email verification): one policy and key, so the routes share one budget per address.
AUTH_PER_IP = [enforce("auth-ip", _auth_ip_limit)]
