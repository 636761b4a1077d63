"""GitHub's OAuth apps: the code flow with PKCE, then `/user` and `/user/emails`."""

from __future__ import annotations

from smarttask.settings import SsoProviderSettings, SsoSettings
from smarttask.sso.protocol import Person, ProviderFailed, Trip, client, exchange, get_json

GITHUB_API_VERSION = "2022-11-28"


async def person(provider: SsoProviderSettings, sso: SsoSettings, code: str, trip: Trip) -> Person:
    """GitHub's OAuth app flow, then `/user` and `/user/emails`: only a verified primary
    email counts."""
    token_endpoint = f"{provider.github_url}/login/oauth/access_token"
    async with client(sso) as http:
        # GitHub takes the client credentials in the body (client_secret_post).
        tokens = await exchange(
            http, provider, sso, token_endpoint, "client_secret_post", code, trip
        )
        headers = {
            "Authorization": f"Bearer {tokens['access_token']}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
        }
        user = await get_json(http, f"{provider.api_url}/user", "github_user", headers=headers)
        emails = await get_json(
            http, f"{provider.api_url}/user/emails", "github_emails", headers=headers
        )
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise ProviderFailed("github_user_shape", "GitHub's answer about the account was unusable.")
    primary = (
        next(
            (e for e in emails if isinstance(e, dict) and e.get("primary") is True),
            None,
        )
        if isinstance(emails, list)
        else None
    )
    email = primary.get("email") if primary else None
    name = user.get("name") or user.get("login")
    return Person(
        subject=str(user["id"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=bool(primary and primary.get("verified") is True),
        name=str(name) if isinstance(name, str) else None,
    )
