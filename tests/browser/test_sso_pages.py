"""Single sign-on in Chromium: "Sign in with Keycloak" end to end through the local OpenID
provider's own sign-in form, linking and unlinking GitHub from the sign-in methods page,
and the pages on the way (accessible, inert to a hostile name from a provider).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.support.browser import PASSWORD, LiveServer, assert_accessible, register, screenshot
from tests.support.browser import unique_email as new_email
from tests.support.github_server import GitHubAccount, GitHubServer
from tests.support.oidc_provider import Account, OidcProvider
from tests.support.web_sweeps import BREAKOUT, SCRIPT, assert_inert, watch_dialogs

PageFactory = Callable[..., Awaitable[Any]]


@pytest.fixture
def providers(sso_servers: tuple[OidcProvider, GitHubServer]) -> tuple[OidcProvider, GitHubServer]:
    """The live server's providers, each test starting from their sign-in forms."""
    oidc, github = sso_servers
    oidc.reset()
    github.reset()
    return oidc, github


async def test_sign_in_with_keycloak_end_to_end(
    page: Any, providers: tuple[OidcProvider, GitHubServer]
) -> None:
    oidc, _ = providers
    person = oidc.add(Account(f"kc-{new_email('e2e')}", new_email("ada"), name="Ada Lovelace"))
    await page.goto("/login")
    await screenshot(page, "sso-login")
    await page.get_by_role("link", name="Sign in with Keycloak").click()
    # The provider's own page: its sign-in form.
    await page.get_by_role("heading", name="Sign in to Acme").wait_for()
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    await page.get_by_role("button", name="Sign out").wait_for()
    await page.goto("/profile")
    assert person.email in await page.content()
    await page.get_by_role("link", name="Manage sign-in methods").click()
    await page.wait_for_url(re.compile(r".*/profile/sign-in-methods$"))
    await page.get_by_text("Not set").wait_for()  # no password: SSO is the way in
    await assert_accessible(page)
    await screenshot(page, "sso-methods-passwordless")
    assert page.js_errors == []


async def test_link_and_unlink_github_from_the_methods_page(
    page: Any, providers: tuple[OidcProvider, GitHubServer]
) -> None:
    _, github = providers
    await register(page, "Grace Hopper")
    login = f"grace-{new_email('gh').split('@')[0]}"
    github.add(GitHubAccount(abs(hash(login)) % 10**9, login, new_email("grace")))
    await page.goto("/profile/sign-in-methods")
    form = page.get_by_role("form", name="Link GitHub")
    await form.get_by_label("Current password").fill(PASSWORD)
    await form.get_by_role("button", name="Link GitHub").click()
    await page.get_by_role("heading", name="Continue to GitHub").wait_for()
    await assert_accessible(page)
    await page.get_by_role("link", name="Continue to GitHub").click()
    await page.get_by_role("heading", name="Sign in to GitHub").wait_for()
    await page.get_by_label("Username").fill(login)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(re.compile(r".*/profile/sign-in-methods\?saved=linked$"))
    await page.get_by_text("The account is linked").wait_for()
    await assert_accessible(page)
    await screenshot(page, "sso-methods-linked")
    unlink = page.get_by_role("form", name="Unlink GitHub")
    await unlink.get_by_label("Current password").fill(PASSWORD)
    await unlink.get_by_role("button", name="Unlink GitHub").click()
    await page.get_by_text("The account is unlinked").wait_for()
    assert page.js_errors == []


async def test_a_refused_sign_in_is_an_accessible_page(
    page: Any, providers: tuple[OidcProvider, GitHubServer]
) -> None:
    oidc, _ = providers
    person = oidc.add(Account(f"kc-{new_email('nv')}", new_email("nv"), email_verified=False))
    await page.goto("/login")
    await page.get_by_role("link", name="Sign in with Keycloak").click()
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("heading", name="Your email address is not verified").wait_for()
    await assert_accessible(page)
    await screenshot(page, "sso-refused")
    await page.get_by_role("link", name="Back to sign in").click()
    await page.wait_for_url(re.compile(r".*/login$"))


async def test_a_hostile_name_from_a_provider_stays_text(
    page: Any, providers: tuple[OidcProvider, GitHubServer], server: LiveServer
) -> None:
    oidc, _ = providers
    name = f"Eve {SCRIPT} {BREAKOUT}"
    person = oidc.add(Account(f"kc-{new_email('xss')}", new_email("eve"), name=name))
    watch_dialogs(page)
    await page.goto("/login")
    await page.get_by_role("link", name="Sign in with Keycloak").click()
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    for path in ("/profile", "/profile/sign-in-methods"):
        await page.goto(path)
        await assert_inert(page)
    await page.goto("/profile")
    assert await page.get_by_role("textbox", name="Name", exact=True).input_value() == name
