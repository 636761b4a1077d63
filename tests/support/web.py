"""Helpers of the web app's in-process tests: forms, CSRF tokens, signed-in clients."""

from __future__ import annotations

import re

import httpx

from tests.support.accounts import PASSWORD
from tests.support.log_scan import register_secret

# What Chromium sends when it navigates: pages answer errors as pages to it.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(page.text)
    assert found is not None, f"no CSRF token on {page.request.url}"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, page_path: str, action: str, values: dict[str, str]
) -> httpx.Response:
    """Open the page, then post its form (with the page's CSRF token) to `action`."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf_token": csrf_of(page), **values})


async def web_register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, name: str = "Web User"
) -> httpx.Response:
    """Create an account through /register (the client then holds its session cookie)."""
    register_secret(password)
    answer = await post_form(
        client, "/register", "/register", {"name": name, "email": email, "password": password}
    )
    assert answer.status_code == 303, answer.text
    register_secret(client.cookies["st_session"])
    return answer


async def web_login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    """Post the sign-in form; the answer (303 when signed in)."""
    answer = await post_form(client, "/login", "/login", {"email": email, "password": password})
    if "st_session" in client.cookies:
        register_secret(client.cookies["st_session"])
    return answer
