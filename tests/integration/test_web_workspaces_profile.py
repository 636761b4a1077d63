"""Edges of the workspace and profile pages, in-process on both backends (the browser
tests in tests/browser/ walk through the pages themselves)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_register

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browser(client: httpx.AsyncClient) -> AsyncIterator[Browser]:
    """A factory of signed-in browsers (own cookies each) on the test app."""
    async with AsyncExitStack() as stack:

        async def make(email: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app_of(client), client=("203.0.113.9", 50000))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transport,
                    base_url="http://testserver",
                    headers={"accept": BROWSER_ACCEPT},
                )
            )
            await web_register(http, email)
            return http

        yield make


async def post(http: httpx.AsyncClient, action: str, values: dict[str, str]) -> httpx.Response:
    """Post a form with the browser's CSRF token (read from its profile page)."""
    page = await http.get("/profile")
    return await http.post(action, data={"csrf_token": csrf_of(page), **values})


async def new_workspace(http: httpx.AsyncClient, name: str) -> str:
    """A workspace made through the page; its id."""
    answer = await post(http, "/workspaces", {"name": name})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"].rsplit("/", 1)[1])


async def test_the_switcher_checks_its_choice(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    grace = await browser("grace@example.com")
    workspace_id = await new_workspace(ada, "Engines")
    chosen = await ada.get("/workspaces/switch", params={"workspace_id": workspace_id})
    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"/workspaces/{workspace_id}"
    nothing = await ada.get("/workspaces/switch", params={"workspace_id": ""})
    assert nothing.headers["location"] == "/workspaces"
    assert (await ada.get("/workspaces/switch?workspace_id=" + "x" * 65)).status_code == 422
    refused = await grace.get("/workspaces/switch", params={"workspace_id": workspace_id})
    assert refused.status_code == 404
    assert "Engines" not in refused.text


async def test_a_project_is_managed_only_under_its_own_workspace(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    first = await new_workspace(ada, "First")
    second = await new_workspace(ada, "Second")
    created = await post(ada, f"/workspaces/{first}/projects", {"name": "Site", "key": "SITE"})
    assert created.status_code == 303
    home = await ada.get(f"/workspaces/{first}")
    found = re.search(r'href="/projects/([^"/]+)"', home.text)
    assert found is not None
    project_id = found.group(1)
    wrong = f"/workspaces/{second}/settings/projects/{project_id}"
    assert (await ada.get(wrong + "/delete")).status_code == 404
    assert (await post(ada, wrong + "/name", {"name": "Moved"})).status_code == 404
    assert (await post(ada, wrong + "/delete", {})).status_code == 404
    assert "Site" in (await ada.get(f"/workspaces/{first}")).text


async def test_a_private_project_is_made_from_the_form(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    workspace_id = await new_workspace(ada, "Engines")
    form = {"name": "Secret", "key": "SEC", "visibility": "private"}
    assert (await post(ada, f"/workspaces/{workspace_id}/projects", form)).status_code == 303
    home = await ada.get(f"/workspaces/{workspace_id}")
    assert "Secret" in home.text
    assert "Private" in home.text  # the badge
    wrong = {"name": "Odd", "key": "ODD", "visibility": "everyone"}
    refused = await post(ada, f"/workspaces/{workspace_id}/projects", wrong)
    assert refused.status_code == 422
    assert 'value="Odd"' in refused.text
    assert ">Odd<" not in (await ada.get(f"/workspaces/{workspace_id}")).text


async def test_the_workspace_limit_is_said_on_the_page(client_with: Any) -> None:
    http = await client_with(max_workspaces_per_user=1)
    http.headers["accept"] = BROWSER_ACCEPT
    await web_register(http, "limited@example.com")
    assert (await post(http, "/workspaces", {"name": "One"})).status_code == 303
    refused = await post(http, "/workspaces", {"name": "Two"})
    assert refused.status_code == 409
    assert "the most one account may create" in refused.text
    assert 'value="Two"' in refused.text


async def test_another_users_token_cannot_be_revoked(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    grace = await browser("grace@example.com")
    made = await post(ada, "/profile/tokens", {"name": "CI", "current_password": PASSWORD})
    assert made.status_code == 200
    found = re.search(r'action="/profile/tokens/([^"/]+)/revoke"', made.text)
    assert found is not None
    refused = await post(grace, f"/profile/tokens/{found.group(1)}/revoke", {})
    assert refused.status_code == 404
    assert "CI" in (await ada.get("/profile")).text


async def test_a_token_cannot_expire_in_the_past(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    values = {"name": "Old", "expires_at": "2001-01-01", "current_password": PASSWORD}
    refused = await post(ada, "/profile/tokens", values)
    assert refused.status_code == 422
    assert 'id="token-expires-error"' in refused.text
    nonsense = await post(ada, "/profile/tokens", {**values, "expires_at": "soon"})
    assert nonsense.status_code == 422
    assert 'id="token-expires-error"' in nonsense.text
    assert "No API tokens" in (await ada.get("/profile")).text


async def test_a_pending_totp_secret_is_shown_only_with_the_password(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    started = await post(ada, "/profile/totp", {"current_password": PASSWORD})
    secret = re.search(r'id="totp-secret"[^>]*value="([A-Z2-7]{32})"', started.text)
    assert secret is not None
    assert secret.group(1) not in (await ada.get("/profile")).text
    refused = await post(
        ada, "/profile/totp/confirm", {"code": "123456", "current_password": "wrong-password"}
    )
    assert refused.status_code == 422
    assert secret.group(1) not in refused.text
    assert 'id="totp-confirm-current-error"' in refused.text


async def test_wrong_proofs_lock_the_email_out(browser: Browser) -> None:
    ada = await browser("ada@example.com")
    values = {"current_password": "wrong-password", "new_password": "violet-anchor-meadow-77"}
    for _ in range(5):
        assert (await post(ada, "/profile/password", values)).status_code == 422
    locked = await post(ada, "/profile/password", {**values, "current_password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert 'id="password-current-error"' in locked.text
    assert "retry in" in locked.text
