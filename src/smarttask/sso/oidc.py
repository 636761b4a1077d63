"""OpenID Connect: discovery, the provider's keys, and the ID token's checks (OpenID Connect
Core 3.1.3.7): its signature against the published keys (joserfc), then issuer, audience,
expiry and nonce (Authlib's `CodeIDToken`).

Discovery documents and key sets are cached per process for an hour (a key set is fetched
again at once when a token names a key it does not hold): a cache, not state, so any
instance can finish a sign-in another one started.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso.protocol import (
    LEEWAY_SECONDS,
    NOT_VERIFIED,
    Person,
    ProviderFailed,
    Trip,
    client,
    exchange,
    get_json,
    log,
)

# Signature algorithms an ID token may use: public-key ones only (never `none`, never an
# HMAC keyed with the client secret, so no algorithm confusion).
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
CACHE_SECONDS = 3600.0

_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_key_sets: dict[str, tuple[float, dict[str, Any]]] = {}


def forget_cached() -> None:
    """Drop the cached discovery documents and key sets (tests; a provider's move)."""
    _metadata.clear()
    _key_sets.clear()


def same_trust(url: str, issuer: str) -> bool:
    """An endpoint is https, or plain http on loopback like a loopback issuer (tests)."""
    parts, home = urlsplit(url), urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and home.scheme == "http" and parts.hostname == home.hostname


async def discover(provider: SsoProviderSettings, sso: SsoSettings) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0), checked."""
    issuer = provider.issuer
    assert issuer is not None, "an oidc provider has an issuer (settings.py)"
    cached = _metadata.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with client(sso) as http:
        document = await get_json(http, url, "discovery")
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer asked for.
        raise ProviderFailed(
            "discovery_issuer", "The identity provider's configuration names another issuer."
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not same_trust(value, issuer):
            raise ProviderFailed(
                f"discovery_{name}", "The identity provider's configuration is incomplete."
            )
    _metadata[issuer] = (time.monotonic(), document)
    return document


async def _key_set(http: httpx.AsyncClient, jwks_uri: str, *, fresh: bool) -> dict[str, Any]:
    cached = _key_sets.get(jwks_uri)
    if not fresh and cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    keys = await get_json(http, jwks_uri, "jwks")
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise ProviderFailed("jwks_shape", "The identity provider's keys could not be read.")
    _key_sets[jwks_uri] = (time.monotonic(), keys)
    return keys


def _auth_method(provider: SsoProviderSettings, document: dict[str, Any]) -> str:
    """How the client authenticates at the token endpoint (RFC 6749 2.3, OIDC Core 9)."""
    if not provider.client_secret:
        return "none"
    supported = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in supported:
            return method
    raise ProviderFailed(
        "token_auth_method", "The identity provider wants a client authentication not supported."
    )


_CLAIM_REASONS = {
    "iss": ("id_token_issuer", "it was issued by another identity provider"),
    "aud": ("id_token_audience", "it was issued for another application"),
    "azp": ("id_token_audience", "it was issued for another application"),
    "nonce": ("id_token_nonce", "it belongs to another sign-in"),
    "exp": ("id_token_expired", "it has expired"),
    "iat": ("id_token_time", "its time is wrong"),
    "nbf": ("id_token_time", "its time is wrong"),
    "sub": ("id_token_subject", "it names nobody"),
}


def _claims_failed(claim: str) -> ProviderFailed:
    reason, why = _CLAIM_REASONS.get(claim, ("id_token_claims", "its contents are not valid"))
    return ProviderFailed(
        reason,
        f"{NOT_VERIFIED}: the identity provider's proof was refused "
        f"because {why}. Start the sign-in again.",
    )


async def _verified_claims(
    http: httpx.AsyncClient,
    provider: SsoProviderSettings,
    document: dict[str, Any],
    id_token: str,
    nonce: str,
    access_token: str,
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS), issuer, audience,
    expiry and nonce hold (OpenID Connect Core 3.1.3.7)."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import (
        BadSignatureError,
        ClaimError,
        ExpiredTokenError,
        InvalidKeyIdError,
        JoseError,
    )
    from joserfc.jwk import KeySet

    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in offered if a in ASYMMETRIC] or ["RS256"]
    jwks_uri = str(document["jwks_uri"])
    token = None
    for fresh in (False, True):  # a key the cache does not hold: fetch the set again, once
        published = await _key_set(http, jwks_uri, fresh=fresh)
        try:
            keys = KeySet.import_key_set(published)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise ProviderFailed(
                "jwks_unreadable", "The identity provider's keys could not be read."
            ) from None
        try:
            token = jwt.decode(id_token, keys, algorithms=algorithms)
            break
        except (BadSignatureError, InvalidKeyIdError):
            if fresh:
                raise ProviderFailed(
                    "id_token_signature",
                    f"{NOT_VERIFIED}: the identity provider's proof was not signed with one "
                    "of its published keys. Start the sign-in again.",
                ) from None
        except JoseError as error:
            log.warning("sso id token unreadable", extra={"error": type(error).__name__})
            raise ProviderFailed(
                "id_token_unreadable",
                f"{NOT_VERIFIED}: the identity provider's proof could not be read.",
            ) from None
    assert token is not None
    issuer = provider.issuer
    options = {
        "iss": {"essential": True, "value": issuer},
        "sub": {"essential": True},
        "aud": {"essential": True, "value": provider.client_id},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    params = {"nonce": nonce, "client_id": provider.client_id, "access_token": access_token}
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError:
        raise _claims_failed("exp") from None
    except ClaimError as error:
        raise _claims_failed(str(error.claim).split(",")[0]) from None
    return dict(claims)


def _verified_flag(value: object) -> bool:
    """`email_verified` as a boolean (some providers send the string "true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


async def person(provider: SsoProviderSettings, sso: SsoSettings, code: str, trip: Trip) -> Person:
    """Exchange the code and verify the ID token; who signed in."""
    document = await discover(provider, sso)
    method = _auth_method(provider, document)
    async with client(sso) as http:
        tokens = await exchange(
            http, provider, sso, str(document["token_endpoint"]), method, code, trip
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderFailed("id_token_missing", "The identity provider sent no ID token.")
        access_token = str(tokens["access_token"])
        claims = await _verified_claims(
            http, provider, document, id_token, trip.nonce, access_token
        )
        userinfo = document.get("userinfo_endpoint")
        if (
            "email" not in claims
            and isinstance(userinfo, str)
            and same_trust(userinfo, str(provider.issuer))
        ):
            # The email may come only from the userinfo endpoint (OIDC Core 5.3); its `sub`
            # must be the ID token's (5.3.2), else it is someone else's.
            more = await get_json(
                http, userinfo, "userinfo", headers={"Authorization": f"Bearer {access_token}"}
            )
            if isinstance(more, dict) and more.get("sub") == claims["sub"]:
                claims |= {k: more[k] for k in ("email", "email_verified", "name") if k in more}
    email = claims.get("email")
    amr = claims.get("amr")
    auth_time = claims.get("auth_time")
    return Person(
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=_verified_flag(claims.get("email_verified")),
        name=str(claims["name"]) if isinstance(claims.get("name"), str) else None,
        amr=tuple(str(v) for v in amr) if isinstance(amr, list) else (),
        auth_time=int(auth_time) if isinstance(auth_time, int | float) else None,
    )
