"""Who owns an Idempotency-Key: the signed-in user, the API token, or the client address."""

from __future__ import annotations

import uuid

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import Scope

from smarttask.accounts.components import AuthComponents
from smarttask.accounts.deps import bearer_token
from smarttask.accounts.tokens import API_TOKEN_PREFIX, InvalidToken, hash_secret
from smarttask.kit.openapi_problems import requires_credentials
from smarttask.kit.unit_of_work import anonymous_principal


def _route_requires_credentials(scope: Scope) -> bool:
    """Whether the route the request is for authenticates its caller (False if none matches)."""
    for route in getattr(scope.get("app"), "routes", ()):
        if isinstance(route, APIRoute) and route.matches(scope)[0] is Match.FULL:
            return requires_credentials(route)
    return False


async def idempotency_principal(scope: Scope) -> str:
    """A stable owner for the key, checked cheaply (a signature, or a token's hash).

    A caller without valid credentials on a route that needs them gets a key space of its
    own for this request only: the route's 401 must come first, never a replay, a 422 for
    another body or a 409 of the anonymous key space that an earlier request filled.
    """
    token = bearer_token(Request(scope))
    if token is not None and token.startswith(API_TOKEN_PREFIX):
        return "apitoken:" + hash_secret(token)
    if token is not None:
        auth: AuthComponents = scope["app"].state.auth
        try:
            return "user:" + auth.tokens.verify(token).user_id
        except InvalidToken:
            pass
    if _route_requires_credentials(scope):
        return "unauthenticated:" + uuid.uuid4().hex
    return await anonymous_principal(scope)
