"""Who owns an Idempotency-Key: the signed-in user, the API token, or the client address."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from smarttask.accounts.components import AuthComponents
from smarttask.accounts.deps import bearer_token
from smarttask.accounts.tokens import API_TOKEN_PREFIX, InvalidToken, hash_secret
from smarttask.kit.unit_of_work import anonymous_principal


async def idempotency_principal(scope: Scope) -> str:
    """A stable owner for the key, checked cheaply (a signature, or a token's hash)."""
    token = bearer_token(Request(scope))
    if token is None:
        return await anonymous_principal(scope)
    if token.startswith(API_TOKEN_PREFIX):
        return "apitoken:" + hash_secret(token)
    auth: AuthComponents = scope["app"].state.auth
    try:
        return "user:" + auth.tokens.verify(token).user_id
    except InvalidToken:
        return await anonymous_principal(scope)
