"""CSRF tokens: every change the web app makes carries one, or it is refused (403).

A browser gets a random, HttpOnly `st_browser` cookie on its first page. Its token is an
HMAC, under the secret key, of that cookie and of the login the session cookie names (none
before signing in): a page can read it (a meta tag for htmx, a hidden field in forms) but a
third-party site cannot, and a token never outlives its login. A cross-site request is also
refused by the browser's own `Sec-Fetch-Site` header where it sends one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from smarttask.kit.problems import Forbidden

BROWSER_COOKIE = "st_browser"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_browser_id() -> str:
    """A fresh value for the browser cookie."""
    return secrets.token_urlsafe(24)


def token(key: str, browser_id: str, session_id: str | None) -> str:
    """The CSRF token of this browser and login."""
    message = f"smarttask-csrf:{browser_id}:{session_id or ''}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class CsrfRefused(Forbidden):
    """A change without a valid CSRF token."""


async def check(request: Request, key: str, session_id: str | None) -> None:
    """Refuse (403) a changing request without this browser's valid token."""
    if request.method in _SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("Cross-site requests cannot change anything here.")
    browser_id = request.cookies.get(BROWSER_COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not browser_id or not sent:
        raise CsrfRefused("The form has expired or was not sent by this app; reload the page.")
    if not hmac.compare_digest(token(key, browser_id, session_id), sent):
        raise CsrfRefused("The form has expired or was not sent by this app; reload the page.")
