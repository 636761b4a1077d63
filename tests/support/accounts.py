"""Helpers of the accounts tests: sign-up, sign-in, admins, problem checks, the app's database.

Every password, token and TOTP secret made here is registered with the log scan, so the
session fails if any of them ever shows up in a log line.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pyotp
from sqlalchemy import update

from smarttask.accounts.models import User
from tests.support.log_scan import register_secret

API = "/api/v1"


def new_password() -> str:
    """A unique, acceptable password (and registered as a secret)."""
    password = f"Tr0ub4dor-{secrets.token_hex(6)}-staple"
    register_secret(password)
    return password


PASSWORD = new_password()
# The proof account-control requests carry in their body (docs/security.md, step-up).
PROOF = {"current_password": PASSWORD}


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    register_secret(token)
    return {"Authorization": f"Bearer {token}"}


def app_of(client: httpx.AsyncClient) -> Any:
    """The ASGI application behind an in-process client."""
    return client._transport.app  # type: ignore[attr-defined]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem of that status; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def assert_unauthorized(response: httpx.Response) -> dict[str, Any]:
    """A 401 problem that tells the client to use a bearer token."""
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    return body


def assert_no_secrets(payload: Any) -> None:
    """No hash or TOTP secret field anywhere in a JSON document."""
    text = str(payload)
    for forbidden in ("password_hash", "totp_secret", "token_hash", "$argon2"):
        assert forbidden not in text, f"{forbidden} in {payload}"


async def register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, name: str = "Test User"
) -> dict[str, Any]:
    """Register an account; the user as the API returns it."""
    register_secret(password)
    response = await client.post(
        f"{API}/auth/register", json={"email": email, "password": password, "name": name}
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    assert_no_secrets(user)
    return user


async def login(
    client: httpx.AsyncClient,
    email: str,
    password: str = PASSWORD,
    totp_code: str | None = None,
) -> dict[str, Any]:
    """Sign in; the token pair (both tokens registered as secrets)."""
    body: dict[str, Any] = {"email": email, "password": password}
    if totp_code is not None:
        body["totp_code"] = totp_code
    response = await client.post(f"{API}/auth/login", json=body)
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    register_secret(pair["access_token"])
    register_secret(pair["refresh_token"])
    return pair


async def register_and_login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, str]:
    """A new account, signed in; the headers that authenticate as it."""
    await register(client, email, password)
    return bearer((await login(client, email, password))["access_token"])


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    """Present a refresh token; registers the tokens of a successful answer."""
    response = await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})
    if response.status_code == 200:
        register_secret(response.json()["access_token"])
        register_secret(response.json()["refresh_token"])
    return response


async def set_user(client: httpx.AsyncClient, email: str, **values: Any) -> None:
    """Change a user's row directly in the app's database (e.g. is_admin=True)."""
    database = app_of(client).state.database
    async with database.session() as session:
        await session.execute(update(User).where(User.email == email).values(**values))
        await session.commit()


async def register_admin(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """A signed-in instance administrator; the headers that authenticate as it."""
    await register(client, email)
    await set_user(client, email, is_admin=True)
    return bearer((await login(client, email))["access_token"])


async def create_api_token(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str = "ci",
    *,
    password: str = PASSWORD,
    **extra: Any,
) -> dict[str, Any]:
    """A new personal API token, proven by the password (its secret registered)."""
    response = await client.post(
        f"{API}/users/me/tokens",
        json={"name": name, "current_password": password, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    token: dict[str, Any] = response.json()
    register_secret(token["token"])
    return token


def totp_code(secret: str, offset_steps: int = 0) -> str:
    """The TOTP code of a secret for the current time step plus an offset (the server
    accepts -1, 0 and +1, and each step only once, in increasing order)."""
    register_secret(secret)
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def steady_totp_step(at_least: float = 8.0) -> None:
    """Wait, if needed, until the current 30 s step has `at_least` seconds left, so that the
    codes of the previous, current and next steps all stay valid for the rest of a test."""
    left = 30 - time.time() % 30
    if left < at_least:
        await asyncio.sleep(left + 0.05)


async def enable_totp(
    client: httpx.AsyncClient, headers: dict[str, str], password: str = PASSWORD
) -> str:
    """Turn TOTP on for the signed-in user with the previous step's code; the secret.

    The codes of the current and the next step are left for the rest of the test.
    """
    await steady_totp_step()
    proof = {"current_password": password}
    setup = await client.post(f"{API}/users/me/totp", json=proof, headers=headers)
    assert setup.status_code == 200, setup.text
    secret: str = setup.json()["secret"]
    register_secret(secret)
    confirm = await client.post(
        f"{API}/users/me/totp/confirm",
        json={"code": totp_code(secret, -1), **proof},
        headers=headers,
    )
    assert confirm.status_code == 204, confirm.text
    return secret
