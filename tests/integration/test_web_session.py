"""The web app's session: cookies that are logins, CSRF on every change, the TOTP step.

In-process against SQLite and PostgreSQL; the browser tests (tests/browser/) drive the same
pages in Chromium.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    app_of,
    bearer,
    enable_totp,
    login,
    new_password,
    register,
    register_and_login,
    set_user,
    totp_code,
)
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_login, web_register


@pytest.fixture(autouse=True)
def _as_a_browser(client: httpx.AsyncClient) -> None:
    """Ask for HTML as browsers do (an API client gets problem+json on any path)."""
    client.headers["accept"] = BROWSER_ACCEPT


async def test_register_signs_in_with_a_session_cookie(client: httpx.AsyncClient) -> None:
    answer = await web_register(client, "web@example.com")
    assert answer.headers["location"] == "/my-tasks"
    cookie = answer.headers.get_list("set-cookie")
    session = next(line for line in cookie if line.startswith("st_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert "Secure" not in session  # development serves plain HTTP on loopback
    root = await client.get("/")
    assert root.status_code == 303
    assert root.headers["location"] == "/my-tasks"


async def test_cookies_are_secure_outside_development(client_with: Any) -> None:
    http = await client_with(env="production", public_url="https://tasks.example.com")
    page = await http.get("/login")
    browser_cookie = page.headers["set-cookie"]
    assert "Secure" in browser_cookie
    assert "HttpOnly" in browser_cookie


async def test_the_api_refuses_the_cookie_and_the_pages_refuse_bearer_tokens(
    client: httpx.AsyncClient,
) -> None:
    await web_register(client, "split@example.com")
    assert (await client.get(f"{API}/users/me")).status_code == 401
    web_token = client.cookies["st_session"]
    as_bearer = await client.get(f"{API}/users/me", headers=bearer(web_token))
    assert as_bearer.status_code == 401
    pair = await login(client, "split@example.com")
    client.cookies.set("st_session", pair["access_token"])
    page = await client.get("/")
    assert page.headers["location"] == "/login"  # an access token is no session cookie


async def test_sign_out_revokes_the_login(client: httpx.AsyncClient) -> None:
    await web_register(client, "out@example.com")
    stolen = client.cookies["st_session"]
    signed_in_page = await client.get("/nowhere")  # every page of a signed-in person has the form
    answer = await client.post("/logout", data={"csrf_token": csrf_of(signed_in_page)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert "st_session" not in client.cookies
    client.cookies.set("st_session", stolen)  # the old cookie, replayed
    replayed = await client.get("/")
    assert replayed.status_code == 303
    assert replayed.headers["location"] == "/login"


async def test_a_password_change_ends_web_sessions(client: httpx.AsyncClient) -> None:
    await web_register(client, "pw@example.com")
    cookie = client.cookies["st_session"]
    headers = bearer((await login(client, "pw@example.com"))["access_token"])
    changed = await client.post(
        f"{API}/users/me/password",
        headers=headers,
        json={**PROOF, "new_password": new_password()},
    )
    assert changed.status_code == 204, changed.text
    client.cookies.set("st_session", cookie)
    assert (await client.get("/")).headers["location"] == "/login"


async def test_a_disabled_account_is_told_and_signed_out(client: httpx.AsyncClient) -> None:
    await web_register(client, "gone@example.com")
    await set_user(client, "gone@example.com", is_active=False)
    assert (await client.get("/")).headers["location"] == "/login"
    client.cookies.clear()
    refused = await web_login(client, "gone@example.com")
    assert refused.status_code == 403
    assert "disabled" in refused.text
    wrong = await web_login(client, "gone@example.com", PASSWORD + "x")
    assert wrong.status_code == 401
    assert "The email or password is wrong." in wrong.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-csrf-token": "0" * 64}],
    ids=["no token", "forged token"],
)
async def test_changes_without_a_valid_csrf_token_are_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    await web_register(client, "csrf@example.com")
    answer = await client.post("/logout", headers=headers)
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]
    assert (await client.get("/")).headers["location"] == "/my-tasks"  # still signed in


async def test_another_browsers_token_is_refused(client: httpx.AsyncClient) -> None:
    await web_register(client, "two-browsers@example.com")
    mine = csrf_of(await client.get("/login", follow_redirects=True))
    transport = httpx.ASGITransport(app=app_of(client), client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await other.get("/login")
        refused = await other.post(
            "/login", data={"csrf_token": mine, "email": "x", "password": "y"}
        )
    assert refused.status_code == 403


async def test_a_cross_site_request_is_refused(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "a@example.com", "password": "x"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert answer.status_code == 403


async def test_sign_in_with_totp_takes_a_step_and_refuses_a_replay(
    client: httpx.AsyncClient,
) -> None:
    headers = await register_and_login(client, "step@example.com")
    secret = await enable_totp(client, headers)
    first = await web_login(client, "step@example.com")
    assert first.status_code == 200
    assert "One-time code" in first.text
    assert "st_session" not in client.cookies
    step = re.search(r'name="step" value="([^"]+)"', first.text)
    assert step is not None
    code = totp_code(secret, 1)
    values = {"csrf_token": csrf_of(first), "step": step.group(1)}
    wrong = await client.post("/login/code", data={**values, "code": "000000"})
    assert wrong.status_code == 401
    assert "st_session" not in client.cookies
    right = await client.post("/login/code", data={**values, "code": code})
    assert right.status_code == 303, right.text
    assert "st_session" in client.cookies
    client.cookies.delete("st_session")
    replay = await client.post("/login/code", data={**values, "code": code})
    assert replay.status_code == 401
    forged = await client.post("/login/code", data={**values, "step": "x.y.z", "code": code})
    assert forged.status_code == 401
    assert "took too long" in forged.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/projects/abc", "/projects/abc"),
        ("//evil.example.com/", "/my-tasks"),
        ("https://evil.example.com/", "/my-tasks"),
        ("/\\evil.example.com", "/my-tasks"),
        ("/logout", "/my-tasks"),
    ],
)
async def test_sign_in_only_returns_to_local_pages(
    client: httpx.AsyncClient, target: str, expected: str
) -> None:
    await register(client, f"next-{abs(hash(target))}@example.com")
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page),
            "email": f"next-{abs(hash(target))}@example.com",
            "password": PASSWORD,
            "next": target,
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == expected


async def test_pages_are_refused_cross_origin_framing_and_inline_script(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # every script is a file of /static
    api = await client.get(f"{API}/users/me")
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_static_files_are_hashed_compressed_and_cached(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    url = re.search(r'href="(/static/[0-9a-f]{12}/app\.css)"', page.text)
    assert url is not None
    css = await client.get(url.group(1), headers={"accept-encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["content-encoding"] == "gzip"
    assert "immutable" in css.headers["cache-control"]
    assert css.headers["content-type"].startswith("text/css")
    stale = await client.get("/static/000000000000/app.css")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"
    for bad in ("/static/x/..%2F..%2Fsettings.py", "/static/x/.hidden", "/static/x/missing.js"):
        assert (await client.get(bad)).status_code == 404


async def test_errors_of_pages_are_pages_and_of_the_api_problems(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/nowhere")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-request-id"] in page.text
    api = await client.get(f"{API}/nowhere")
    assert api.headers["content-type"] == "application/problem+json"
    htmx = await client.get("/nowhere", headers={"hx-request": "true"})
    assert htmx.headers["hx-retarget"] == "#flash"
    assert 'role="alert"' in htmx.text


async def test_an_api_client_off_the_api_still_gets_problems(client: httpx.AsyncClient) -> None:
    api_client = await client.get("/nowhere", headers={"accept": "application/json"})
    assert api_client.headers["content-type"] == "application/problem+json"
    assert (await client.get("/nowhere")).headers["content-type"].startswith("text/html")
