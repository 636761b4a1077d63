"""Sign-ins the service refuses, said plainly on the sign-in page: a disabled account
(to whoever knows its password) and an email locked out after failed attempts."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.browser import PASSWORD, LiveServer, assert_accessible, register, sign_in
from tests.support.log_scan import register_secret
from tests.support.web_workspaces import create_admin

PageFactory = Any


def posted_login(response: Any) -> bool:
    """The answer to the sign-in form (not the page that shows it)."""
    return bool(response.url.endswith("/login") and response.request.method == "POST")


async def _token(http: httpx.AsyncClient, email: str) -> str:
    signed_in = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    token = str(signed_in.json()["access_token"])
    register_secret(token)
    register_secret(signed_in.json()["refresh_token"])
    return token


async def test_a_disabled_account_is_told_so(page: Any, server: LiveServer) -> None:
    email = await register(page, "Dora Disabled")
    admin_email = f"admin-{email}"
    await create_admin(server, admin_email)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        user_token = await _token(http, email)
        me = await http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {user_token}"})
        admin = {"Authorization": f"Bearer {await _token(http, admin_email)}"}
        disabled = await http.patch(
            f"/api/v1/users/{me.json()['id']}",
            json={"is_active": False, "current_password": PASSWORD},
            headers=admin,
        )
        assert disabled.status_code == 200, disabled.text

    # The browser's session ended with the account.
    await page.goto("/profile")
    assert re.search(r"/login\?next=/profile$", page.url)
    async with page.expect_response(posted_login) as answer:
        await sign_in(page, email)
    assert (await answer.value).status == 403
    assert "This account is disabled" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)

    # A wrong password learns nothing about the account.
    await sign_in(page, email, PASSWORD + "-wrong")
    assert "The email or password is wrong." in await page.get_by_role("alert").inner_text()


async def test_failed_sign_ins_lock_the_email_for_a_while(new_page: PageFactory) -> None:
    page = await new_page()
    email = await register(page, "Lou Lockout")
    stranger = await new_page()  # a browser that never signed in to this account
    for _ in range(5):
        async with stranger.expect_response(posted_login) as answer:
            await sign_in(stranger, email, PASSWORD + "-guess")
        assert (await answer.value).status == 401
    async with stranger.expect_response(posted_login) as answer:
        await sign_in(stranger, email)
    refused = await answer.value
    assert refused.status == 429
    assert int(refused.headers["retry-after"]) > 0
    alert = await stranger.get_by_role("alert").inner_text()
    assert "Too many failed sign-ins" in alert
    assert "retry in" in alert
    await assert_accessible(stranger)
