"""The providers' protocols: OpenID Connect (discovery, the code flow with PKCE, the ID
token's checks) and GitHub's OAuth apps (the code flow with PKCE, then its user API).

Authlib builds the authorization URLs and token requests (`prepare_grant_uri`,
`prepare_token_request`, `ClientAuth`, the S256 challenge) and checks an ID token's claims
(`CodeIDToken`); joserfc verifies its signature against the provider's published keys. The
HTTP is httpx's. What a provider said comes back as a `Person`; an answer that cannot be
trusted raises `ProviderFailed` with a reason (for the logs) and a sentence for people.

Discovery documents and key sets are cached per process for an hour (a key set is fetched
again at once when a token names a key it does not hold): a cache, not state, so any
instance can finish a sign-in another one started.
"""

from __future__ import annotations

from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso import github, oidc
from smarttask.sso.oidc import discover, forget_cached
from smarttask.sso.protocol import (
    LEEWAY_SECONDS,
    Person,
    ProviderFailed,
    Trip,
    authorize_url,
    challenge,
    new_trip,
)

__all__ = [
    "LEEWAY_SECONDS",
    "Person",
    "ProviderFailed",
    "Trip",
    "authorization_url",
    "discover",
    "forget_cached",
    "new_trip",
    "verified_person",
]


async def authorization_url(
    provider: SsoProviderSettings, sso: SsoSettings, trip: Trip, *, force_login: bool = False
) -> str:
    """Where to send the browser: the provider's sign-in with state, nonce and PKCE (S256).

    `force_login` asks an OpenID provider to authenticate the person again (`prompt=login`,
    `max_age=0`).
    """
    params: dict[str, str | None] = {
        "redirect_uri": sso.redirect_uri(provider.name),
        "scope": " ".join(provider.scopes),
        "state": trip.state,
        **challenge(trip),
    }
    if provider.kind == "github":
        return authorize_url(
            f"{provider.github_url}/login/oauth/authorize", provider.client_id, params
        )
    document = await discover(provider, sso)
    params["nonce"] = trip.nonce
    if force_login:
        params |= {"prompt": "login", "max_age": "0"}
    return authorize_url(str(document["authorization_endpoint"]), provider.client_id, params)


async def verified_person(
    provider: SsoProviderSettings, sso: SsoSettings, code: str, trip: Trip
) -> Person:
    """Exchange the code (with the trip's PKCE verifier) and say who signed in, verified."""
    if provider.kind == "github":
        return await github.person(provider, sso, code, trip)
    return await oidc.person(provider, sso, code, trip)
