"""One's sign-in methods (/profile/sign-in-methods): linking a provider needs proof that it
is you (the password, a one-time code, or for an account with neither, signing in again at
a provider already linked); unlinking never removes the last way in. Against the local
OpenID provider and the local GitHub, on both databases.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from smarttask.securitylog.models import SecurityEvent
from smarttask.sso.models import SsoAttempt, UserIdentity
from tests.support.accounts import PASSWORD, new_password
from tests.support.github_server import GitHubAccount, GitHubServer
from tests.support.oidc_provider import Account, Misbehaviour, OidcProvider
from tests.support.sso import (
    BROWSER,
    at_provider,
    back,
    count,
    fresh_sso_settings,
    refused,
    rows,
    signed_in,
    sso,
)
from tests.support.web import csrf_of, web_register

METHODS = "/profile/sign-in-methods"
ADA = Account("kc-ada-0002", "ada@example.com", name="Ada Lovelace")
GRACE = GitHubAccount(583232, "grace", "grace@example.com", name="Grace Hopper")


@pytest.fixture
def settings_overrides(oidc: OidcProvider, github: GitHubServer) -> dict[str, Any]:
    """The five providers, well-behaved."""
    return fresh_sso_settings(oidc, github)


async def methods_page(client: httpx.AsyncClient) -> httpx.Response:
    """The sign-in methods page (signed in)."""
    page = await client.get(METHODS, headers=BROWSER)
    assert page.status_code == 200, page.text
    return page


async def send(
    client: httpx.AsyncClient, provider: str, action: str, **fields: str
) -> httpx.Response:
    """Post a form of the sign-in methods page, with its CSRF token."""
    token = csrf_of(await methods_page(client))
    return await client.post(
        f"{METHODS}/{provider}/{action}", data={"csrf_token": token, **fields}, headers=BROWSER
    )


def continue_url(answer: httpx.Response, provider_label: str) -> str:
    """The continue page's button: the provider's authorization URL."""
    assert answer.status_code == 200, answer.text
    assert f"Continue to {provider_label}" in answer.text
    assert "st_sso" in answer.headers["set-cookie"]
    found = re.search(r'id="continue-to-provider" href="([^"]+)"', answer.text)
    assert found is not None, answer.text
    return unescape(found.group(1))


def page_error(answer: httpx.Response, status: int, words: str) -> None:
    """The methods page again, with the form's refusal."""
    assert answer.status_code == status, answer.text
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", answer.text)).split())
    assert words in text, text


async def identities(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every identity as (provider, subject)."""
    found = await rows(client, UserIdentity)
    return sorted((row.provider, row.subject) for row in found)


async def test_a_password_user_links_and_unlinks_github(
    client: httpx.AsyncClient, github: GitHubServer
) -> None:
    await web_register(client, GRACE.email)
    page = await methods_page(client)
    assert "Not linked" in page.text
    assert "Link GitHub" in page.text
    # Without proof, or with a wrong password: the form says so, nothing starts.
    page_error(await send(client, "github", "link"), 422, "needs proof")
    wrong = new_password()
    page_error(await send(client, "github", "link", current_password=wrong), 422, "is wrong")
    # Who has a password proves it with the password, not with a provider's session.
    page_error(await send(client, "github", "link", confirm_with="github"), 422, "Prove it is you")
    assert await count(client, SsoAttempt) == 0
    # With the password: on to GitHub, then back, linked.
    url = continue_url(await send(client, "github", "link", current_password=PASSWORD), "GitHub")
    github.next_person = GitHubAccount(99, "grace-personal", "grace@home.example")
    linked = await back(client, await at_provider(url))
    assert linked.status_code == 303, linked.text
    assert linked.headers["location"] == f"{METHODS}?saved=linked"
    assert await identities(client) == [("github", "99")]
    page = await methods_page(client)
    assert "The account is linked" not in page.text  # only right after the link
    assert "grace@home.example" in page.text
    # That GitHub account now signs in to this account, whatever its email.
    client.cookies.clear()
    github.next_person = GitHubAccount(99, "grace-personal", "grace@home.example")
    signed_in(await sso(client, "github"), client)
    # Unlinking needs the password too; then GitHub no longer signs in here.
    page_error(await send(client, "github", "unlink"), 422, "needs proof")
    answer = await send(client, "github", "unlink", current_password=PASSWORD)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{METHODS}?saved=unlinked"
    assert await identities(client) == []
    events = [row.event for row in await rows(client, SecurityEvent)]
    assert "sso.linked" in events
    assert "sso.unlinked" in events


async def test_an_account_at_a_provider_links_to_one_user_only(
    client: httpx.AsyncClient, github: GitHubServer
) -> None:
    github.next_person = GRACE
    signed_in(await sso(client, "github"), client)  # Grace's GitHub: her own account
    client.cookies.clear()
    await web_register(client, "mallory@example.com")
    url = continue_url(await send(client, "github", "link", current_password=PASSWORD), "GitHub")
    github.next_person = GRACE
    refused(await back(client, await at_provider(url)), 409, "linked to another smarttask account")
    assert await identities(client) == [("github", str(GRACE.id))]


async def test_a_link_finishes_only_in_the_login_that_started_it(
    client: httpx.AsyncClient, github: GitHubServer
) -> None:
    await web_register(client, "ada@example.com")
    url = continue_url(await send(client, "github", "link", current_password=PASSWORD), "GitHub")
    client.cookies.delete("st_session")  # signed out meanwhile (or another person's browser)
    github.next_person = GRACE
    refused(await back(client, await at_provider(url)), 403, "Sign in again")
    assert await identities(client) == []


async def test_a_provider_linked_already_must_be_unlinked_first(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    await web_register(client, ADA.email)
    oidc.next_person = ADA
    client.cookies.delete("st_session")
    signed_in(await sso(client, "kc"), client)  # linked by the verified email
    page_error(await send(client, "kc", "link", current_password=PASSWORD), 409, "unlink it first")


async def test_the_last_way_in_cannot_be_unlinked(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)  # a new account: no password, no TOTP
    page = await methods_page(client)
    assert "Not set" in page.text
    # Its proof is signing in again at kc, then the unlink is refused: nothing else is left.
    url = continue_url(await send(client, "kc", "unlink", confirm_with="kc"), "Keycloak")
    assert parse_qs(urlsplit(url).query)["prompt"] == ["login"]
    oidc.next_person = ADA
    refused(await back(client, await at_provider(url)), 409, "only way to sign in")
    assert await identities(client) == [("kc", ADA.subject)]


async def test_an_account_without_a_password_confirms_at_a_linked_provider(
    client: httpx.AsyncClient, oidc: OidcProvider, github: GitHubServer
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    # Link GitHub: sign in again at kc (asked to authenticate anew), then choose at GitHub.
    url = continue_url(await send(client, "github", "link", confirm_with="kc"), "Keycloak")
    query = parse_qs(urlsplit(url).query)
    assert (query["prompt"], query["max_age"]) == (["login"], ["0"])
    oidc.next_person = ADA
    to_github = await back(client, await at_provider(url))
    assert to_github.status_code == 303, to_github.text
    assert to_github.headers["location"].startswith(github.base_url)
    github.next_person = GRACE
    linked = await back(client, await at_provider(to_github.headers["location"]))
    assert linked.headers["location"] == f"{METHODS}?saved=linked"
    assert await identities(client) == [("github", str(GRACE.id)), ("kc", ADA.subject)]
    # Unlink kc, proven at GitHub: GitHub is left, so that is allowed.
    url = continue_url(await send(client, "kc", "unlink", confirm_with="github"), "GitHub")
    github.next_person = GRACE
    unlinked = await back(client, await at_provider(url))
    assert unlinked.headers["location"] == f"{METHODS}?saved=unlinked"
    assert await identities(client) == [("github", str(GRACE.id))]


async def test_confirming_with_another_account_or_an_old_sign_in_is_refused(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    url = continue_url(await send(client, "github", "link", confirm_with="kc"), "Keycloak")
    oidc.next_person = Account("kc-someone-else", "eve@example.com")
    refused(await back(client, await at_provider(url)), 403, "another account")
    # The right person, but the provider did not authenticate them again (an old session).
    url = continue_url(await send(client, "github", "link", confirm_with="kc"), "Keycloak")
    oidc.next_person = ADA
    oidc.misbehave = Misbehaviour(auth_time=1_600_000_000)
    refused(await back(client, await at_provider(url)), 403, "did not confirm")
    assert await identities(client) == [("kc", ADA.subject)]


async def test_confirming_needs_a_provider_of_ones_own(
    client: httpx.AsyncClient, oidc: OidcProvider
) -> None:
    oidc.next_person = ADA
    signed_in(await sso(client, "kc"), client)
    answer = await send(client, "github", "link", confirm_with="kc-mfa")  # not linked
    assert answer.status_code == 404, answer.text
    assert await count(client, SsoAttempt) == 1  # the sign-in's own, spent


async def test_the_methods_page_needs_a_session(client: httpx.AsyncClient) -> None:
    answer = await client.get(METHODS, headers=BROWSER)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
    posted = await client.post(f"{METHODS}/github/link", data={}, headers=BROWSER)
    assert posted.status_code == 403  # no CSRF token: refused before anything else
