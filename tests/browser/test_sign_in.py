"""Signing up, in and out in a real browser, and what the session cookie can and cannot do."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.browser import (
    PASSWORD,
    LiveServer,
    assert_accessible,
    register,
    sign_in,
    unique_email,
)


async def test_root_sends_a_visitor_to_sign_in(page: Any) -> None:
    await page.goto("/")
    assert re.search(r"/login$", page.url)
    assert await page.get_by_label("Email").is_visible()
    assert await page.get_by_label("Password").is_visible()
    assert await page.get_by_role("button", name="Sign in").is_visible()
    await assert_accessible(page)


async def test_register_sign_out_and_back_in(page: Any) -> None:
    email = await register(page, "Grace Hopper")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r".*/login$"))
    await page.goto("/my-tasks")
    assert re.search(r"/login\?next=/my-tasks$", page.url)
    await sign_in(page, email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))


async def test_wrong_password_is_said_plainly(page: Any) -> None:
    email = await register(page)
    await page.context.clear_cookies()
    await sign_in(page, email, PASSWORD + "x")
    alert = page.get_by_role("alert")
    assert "The email or password is wrong." in await alert.inner_text()
    await assert_accessible(page)


async def test_registration_errors_stand_beside_their_fields(page: Any) -> None:
    await page.goto("/register")
    await page.get_by_label("Name").fill("Ada")
    await page.get_by_label("Email").fill(unique_email())
    await page.get_by_label("Password").fill("password")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_selector("#password-error")
    assert await page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert await page.locator("#password-error").inner_text()
    await assert_accessible(page)


async def test_the_session_cookie_is_http_only_and_lax(page: Any) -> None:
    await register(page)
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    session = cookies["st_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert await page.evaluate("() => document.cookie") == ""


async def test_the_api_never_takes_the_cookie(page: Any, server: LiveServer) -> None:
    await register(page)
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=server.base_url, cookies=cookies) as http:
        answer = await http.get("/api/v1/users/me")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_form_posted_without_its_csrf_token_changes_nothing(
    page: Any, server: LiveServer
) -> None:
    await register(page)
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=server.base_url, cookies=cookies) as http:
        answer = await http.post("/logout", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    await page.goto("/my-tasks")  # still signed in: the sign-out was refused
    assert re.search(r"/my-tasks$", page.url)


async def test_unknown_pages_are_friendly_and_carry_the_request_id(page: Any) -> None:
    response = await page.goto("/no/such/page")
    assert response is not None
    assert response.status == 404
    assert await page.get_by_role("heading", name="Page not found").is_visible()
    assert response.headers["x-request-id"] in await page.inner_text("main")
    await assert_accessible(page)


async def test_every_page_has_a_strict_content_security_policy(page: Any) -> None:
    response = await page.goto("/login")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.js_errors == []
