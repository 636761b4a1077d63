"""What both kinds of provider share: the errors, a trip's secrets, who signed in, and the
OAuth 2.0 pieces (authorization URL with PKCE, the code exchange) over httpx.

Authlib builds the authorization URLs and token requests (`prepare_grant_uri`,
`prepare_token_request`, `ClientAuth`, the S256 challenge).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from smarttask.settings import SsoProviderSettings, SsoSettings

log = logging.getLogger("smarttask.sso")

LEEWAY_SECONDS = 60  # clock skew allowed on exp, iat and nbf
MAX_ANSWER_BYTES = 512 * 1024
NOT_VERIFIED = "The sign-in could not be verified"


class ProviderFailed(Exception):
    """The provider's answer cannot be used: `reason` for logs, `message` for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Trip:
    """The secrets of one trip to a provider: state, nonce and the PKCE verifier."""

    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True)
class Person:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    amr: tuple[str, ...] = ()
    auth_time: int | None = None  # when the person last authenticated at the provider


def new_trip() -> Trip:
    """Fresh random state, nonce and PKCE verifier (RFC 7636: 43 to 128 characters)."""
    return Trip(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))


def client(sso: SsoSettings) -> httpx.AsyncClient:
    """An HTTP client for one exchange with a provider (no redirects followed)."""
    return httpx.AsyncClient(
        timeout=sso.timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": "smarttask-sso", "Accept": "application/json"},
    )


def answer_json(response: httpx.Response, what: str) -> Any:
    """The JSON of a successful answer, else ProviderFailed (never the answer's text)."""
    if len(response.content) > MAX_ANSWER_BYTES:
        raise ProviderFailed(f"{what}_too_large", "The identity provider's answer was too large.")
    try:
        return response.json()
    except ValueError:
        raise ProviderFailed(
            f"{what}_not_json", "The identity provider answered something that is not JSON."
        ) from None


async def get_json(http: httpx.AsyncClient, url: str, what: str, **kwargs: Any) -> Any:
    """The JSON of a GET that must answer 200, else ProviderFailed."""
    try:
        response = await http.get(url, **kwargs)
    except httpx.HTTPError as error:
        log.warning("sso provider unreachable", extra={"step": what, "error": type(error).__name__})
        raise ProviderFailed(
            f"{what}_unreachable", "The identity provider could not be reached; try again soon."
        ) from None
    if response.status_code != 200:
        log.warning("sso provider refused", extra={"step": what, "status": response.status_code})
        raise ProviderFailed(
            f"{what}_status_{response.status_code}",
            "The identity provider did not answer as expected; try again soon.",
        )
    return answer_json(response, what)


def authorize_url(endpoint: str, client_id: str, params: dict[str, str | None]) -> str:
    """The authorization request's URL (RFC 6749 4.1.1)."""
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

    url: str = prepare_grant_uri(endpoint, client_id, "code", **params)
    return url


def challenge(trip: Trip) -> dict[str, str | None]:
    """The PKCE parameters of the trip's verifier (RFC 7636, S256)."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    challenge: str = create_s256_code_challenge(trip.code_verifier)
    return {"code_challenge": challenge, "code_challenge_method": "S256"}


async def exchange(
    http: httpx.AsyncClient,
    provider: SsoProviderSettings,
    sso: SsoSettings,
    token_endpoint: str,
    auth_method: str,
    code: str,
    trip: Trip,
) -> dict[str, Any]:
    """The code (with the PKCE verifier) for tokens; the provider spends the code."""
    from authlib.oauth2.auth import ClientAuth
    from authlib.oauth2.rfc6749.parameters import prepare_token_request

    body: str = prepare_token_request(
        "authorization_code",
        redirect_uri=sso.redirect_uri(provider.name),
        code=code,
        code_verifier=trip.code_verifier,
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    auth = ClientAuth(provider.client_id, provider.client_secret, auth_method)
    url, headers, body = auth.prepare("POST", token_endpoint, headers, body)
    try:
        response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        log.warning("sso token endpoint unreachable", extra={"error": type(error).__name__})
        raise ProviderFailed(
            "token_unreachable", "The identity provider could not be reached; try again soon."
        ) from None
    answer = answer_json(response, "token")
    refused = answer.get("error") if isinstance(answer, dict) else "shape"
    if response.status_code != 200 or refused or not isinstance(answer, dict):
        # invalid_grant: a code used before, expired, or not issued for this verifier.
        log.warning(
            "sso code refused",
            extra={"status": response.status_code, "error": str(refused)[:60] if refused else None},
        )
        raise ProviderFailed(
            "code_refused",
            "The identity provider refused the sign-in code: it was used already or has "
            "expired. Start the sign-in again.",
        )
    if not isinstance(answer.get("access_token"), str):
        raise ProviderFailed("token_shape", "The identity provider's answer had no access token.")
    return answer
