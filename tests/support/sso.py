"""The browser's part of a single sign-on trip, played by httpx against the in-process app
and the local providers (tests/support/oidc_provider.py, tests/support/github_server.py).

The app's public URL is `APP`; its providers redirect back there, and the test hands the
path to the in-process client, cookies and all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from smarttask.sso import providers
from tests.support.accounts import app_of
from tests.support.github_server import GitHubServer
from tests.support.log_scan import register_secret
from tests.support.oidc_provider import OidcProvider
from tests.support.web import BROWSER_ACCEPT

APP = "http://testserver"
BROWSER = {"Accept": BROWSER_ACCEPT}
OIDC_NAMES = ("kc", "kc-mfa", "acme-only", "invite-only")


@pytest.fixture(scope="module")
def oidc() -> Iterator[OidcProvider]:
    """The local OpenID provider (a Keycloak-like realm), for the module."""
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def github() -> Iterator[GitHubServer]:
    """The local GitHub, for the module."""
    server = GitHubServer().start()
    yield server
    server.stop()


def fresh_sso_settings(oidc: OidcProvider, github: GitHubServer) -> dict[str, Any]:
    """`sso_settings` with both servers well-behaved again and no provider cached."""
    oidc.reset()
    github.reset()
    providers.forget_cached()
    return sso_settings(oidc, github)


def sso_settings(oidc: OidcProvider, github: GitHubServer) -> dict[str, Any]:
    """Settings of an app with five providers on the two local servers (which are told the
    redirect URIs): `kc` (Keycloak), `kc-mfa` (trusted for MFA), `acme-only` (acme.example
    addresses only), `invite-only` (creates no users) and `github`."""
    oidc.register_redirect(*(f"{APP}/auth/oidc/{name}/callback" for name in OIDC_NAMES))
    configured = {
        "kc": oidc.settings(display_name="Keycloak"),
        "kc-mfa": oidc.settings(display_name="Keycloak MFA", trust_mfa=True),
        "acme-only": oidc.settings(display_name="Acme", allowed_domains=["acme.example"]),
        "invite-only": oidc.settings(display_name="Invite only", create_users=False),
        "github": github.settings(),
    }
    return {"public_url": APP, "sso_providers": json.dumps(configured)}


async def begin(client: httpx.AsyncClient, name: str, next_path: str | None = None) -> str:
    """Open /auth/oidc/<name>/login; the provider's authorization URL it redirects to."""
    query = f"?next={quote(next_path, safe='')}" if next_path is not None else ""
    answer = await client.get(f"/auth/oidc/{name}/login{query}", headers=BROWSER)
    assert answer.status_code == 303, answer.text
    assert "st_sso" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    return answer.headers["location"]


async def at_provider(url: str) -> str:
    """Visit the provider (it approves the scripted person); the app path it sends back to."""
    async with httpx.AsyncClient() as outside:
        answer = await outside.get(url)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(APP), location
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


async def back(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """The browser arriving back at the app from the provider."""
    return await client.get(path, headers=BROWSER)


async def sso(client: httpx.AsyncClient, name: str, next_path: str | None = None) -> httpx.Response:
    """A whole trip: start, the provider, back; the app's answer to the callback."""
    return await back(client, await at_provider(await begin(client, name, next_path)))


def signed_in(answer: httpx.Response, client: httpx.AsyncClient, target: str = "/my-tasks") -> None:
    """The callback signed the browser in and sends it on to `target`."""
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == target
    assert "st_session" in client.cookies
    register_secret(client.cookies["st_session"])


def refused(answer: httpx.Response, status: int, *words: str) -> str:
    """A refusal page of that status, saying these words, with a way back; its text."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    text = " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
    for word in words:
        assert word in text, (word, text)
    assert 'href="/login"' in answer.text or 'href="/profile/sign-in-methods"' in answer.text
    return text


async def rows(client: httpx.AsyncClient, model: Any, *where: Any) -> list[Any]:
    """Rows of a table in the app's database."""
    async with app_of(client).state.database.session() as session:
        return list((await session.execute(select(model).where(*where))).scalars())


async def count(client: httpx.AsyncClient, model: Any) -> int:
    """How many rows a table has."""
    async with app_of(client).state.database.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def is_signed_in(client: httpx.AsyncClient) -> bool:
    """Whether the client's session cookie opens the app."""
    answer = await client.get("/my-tasks", headers=BROWSER)
    return answer.status_code == 200


def browser_sso_env(oidc: OidcProvider, github: GitHubServer) -> dict[str, str]:
    """The SMARTTASK_* variables of a live server with two providers on the local servers:
    `keycloak` (OpenID Connect) and `github` (call `let_back_to` once the server's address
    is known)."""
    configured = {"keycloak": oidc.settings(display_name="Keycloak"), "github": github.settings()}
    return {"SMARTTASK_SSO_PROVIDERS": json.dumps(configured)}


def let_back_to(oidc: OidcProvider, base_url: str) -> None:
    """Let the OpenID provider send browsers back to the live server at `base_url`."""
    oidc.register_redirect(f"{base_url}/auth/oidc/keycloak/callback")
