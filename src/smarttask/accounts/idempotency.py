"""Who owns an Idempotency-Key: the signed-in user, the API token, or the client address."""

from __future__ import annotations

from contextlib import AsyncExitStack

from starlette.requests import Request
from starlette.routing import Match
from starlette.types import Scope

from smarttask.accounts import lookups
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.deps import bearer_token
from smarttask.accounts.tokens import API_TOKEN_PREFIX, InvalidToken, hash_secret
from smarttask.db.engine import Database, Reader
from smarttask.db.types import utcnow
from smarttask.kit.openapi_problems import requires_credentials
from smarttask.kit.unit_of_work import anonymous_principal
from smarttask.speed._fastapi_private import api_routes
from smarttask.speed.lazy_routes import LazyRouters


def _route_requires_credentials(scope: Scope) -> bool:
    """Whether the route the request is for authenticates its caller (False if none matches).

    This runs before routing: a path's routers built on demand (speed/lazy_routes.py) are
    included first, or a first request would find no route and count as anonymous.
    """
    app = scope.get("app")
    routers: LazyRouters | None = getattr(getattr(app, "state", None), "routers", None)
    if routers is not None:
        routers.include_for_request(scope)
    for route in api_routes(getattr(app, "routes", ())):
        if route.matches(scope)[0] is Match.FULL:
            return requires_credentials(route)
    return False


async def idempotency_principal(scope: Scope) -> str | None:
    """The owner of the request's key: the signed-in user, the API token, or the address.

    Credentials are checked as the route will check them (a live login or API token, an
    active account), through the worker's cache of callers when it has one. None when they
    are missing or refused on a route that needs them: the key is then left alone and the
    route answers its 401, so a signed-out token never gets a stored answer replayed, and
    no claim is written for a request that cannot run.
    """
    token = bearer_token(Request(scope))
    if token is not None:
        owner = await _live_owner(scope, token)
        if owner is not None:
            return owner
    if _route_requires_credentials(scope):
        return None
    return await anonymous_principal(scope)


async def _live_owner(scope: Scope, token: str) -> str | None:
    """The key owner named by working credentials, or None."""
    auth: AuthComponents = scope["app"].state.auth
    database: Database = scope["app"].state.database
    async with AsyncExitStack() as stack:

        async def reader() -> Reader:
            return await stack.enter_async_context(database.open_reader())

        if token.startswith(API_TOKEN_PREFIX):
            token_hash = hash_secret(token)
            use = await lookups.api_token_use(reader, auth.callers, token_hash)
            return "apitoken:" + token_hash if use is not None and use.usable(utcnow()) else None
        try:
            claims = auth.tokens.verify(token)
        except InvalidToken:
            return None
        user = await lookups.signed_in_user(reader, auth.callers, claims.user_id, claims.session_id)
        return "user:" + claims.user_id if user is not None else None
