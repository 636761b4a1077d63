"""The sign-in lockout cannot lock the owner's known devices out (OWASP device cookie).

Five failures in 15 minutes still lock an email for unknown devices; a device that signed
in to the account before (its device token) is locked only by its own failures.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    API,
    PASSWORD,
    app_of,
    assert_problem,
    assert_unauthorized,
    new_password,
    register,
)
from tests.support.log_scan import register_secret

OWNER = "owner@example.com"


@pytest.fixture
async def stranger(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """Another client, from another address, with no device token."""
    transport = httpx.ASGITransport(app=app_of(client), client=("198.51.100.23", 41000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _sign_in(
    client: httpx.AsyncClient,
    email: str,
    password: str = PASSWORD,
    *,
    device_token: str | None = None,
    header: bool = False,
) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    headers: dict[str, str] = {}
    if device_token is not None and header:
        headers["X-Device-Token"] = device_token
    elif device_token is not None:
        body["device_token"] = device_token
    response = await client.post(f"{API}/auth/login", json=body, headers=headers)
    if response.status_code == 200:
        for field in ("access_token", "refresh_token", "device_token"):
            register_secret(response.json()[field])
    return response


async def _known_device(client: httpx.AsyncClient, email: str) -> str:
    """Register the account and sign in once; the device token it hands out."""
    await register(client, email)
    signed_in = await _sign_in(client, email)
    assert signed_in.status_code == 200, signed_in.text
    token: str = signed_in.json()["device_token"]
    assert token.startswith("dv1.")
    return token


async def _lock_for_strangers(stranger: httpx.AsyncClient, email: str) -> None:
    for _ in range(5):
        assert_unauthorized(await _sign_in(stranger, email, new_password()))


def _assert_locked(response: httpx.Response) -> None:
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60


async def test_strangers_failures_do_not_lock_out_the_owners_known_device(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    device = await _known_device(client, OWNER)
    await _lock_for_strangers(stranger, OWNER)

    # An unknown device is locked, even with the right password ...
    _assert_locked(await _sign_in(stranger, OWNER))
    _assert_locked(await _sign_in(client, OWNER))
    # ... the owner's known device is not, in the body or in the header.
    in_body = await _sign_in(client, OWNER, device_token=device)
    assert in_body.status_code == 200, in_body.text
    assert in_body.json()["device_token"] == device  # the same device, recognised
    in_header = await _sign_in(client, OWNER, device_token=device, header=True)
    assert in_header.status_code == 200, in_header.text


async def test_a_forged_device_token_counts_as_unknown(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    device = await _known_device(client, OWNER)
    await _lock_for_strangers(stranger, OWNER)
    version, user_id, device_id, mac = device.split(".")
    forgeries = [
        f"{version}.{user_id}.{device_id}.{mac[:-2]}AA",  # a wrong MAC
        f"{version}.{user_id}.another-device.{mac}",  # the MAC of another device
        f"dv2.{user_id}.{device_id}.{mac}",  # another version
        "not-a-device-token",
    ]
    for forged in forgeries:
        _assert_locked(await _sign_in(stranger, OWNER, device_token=forged))


async def test_another_accounts_device_token_counts_as_unknown(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await _known_device(client, OWNER)
    theirs = await _known_device(stranger, "attacker@example.com")
    await _lock_for_strangers(stranger, OWNER)
    _assert_locked(await _sign_in(stranger, OWNER, device_token=theirs))
    # Nor do its failures escape the per-email count before the lock.
    await register(client, "second@example.com")
    for _ in range(5):
        assert_unauthorized(
            await _sign_in(stranger, "second@example.com", new_password(), device_token=theirs)
        )
    _assert_locked(await _sign_in(stranger, "second@example.com"))


async def test_a_known_device_is_locked_by_its_own_failures_only(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    device = await _known_device(client, OWNER)
    for _ in range(5):
        assert_unauthorized(await _sign_in(client, OWNER, new_password(), device_token=device))
    _assert_locked(await _sign_in(client, OWNER, device_token=device))
    # Its failures were its own: the email is not locked for other devices.
    fresh = await _sign_in(stranger, OWNER)
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["device_token"] != device


async def test_the_lock_is_logged_without_the_email(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await _known_device(client, OWNER)
    with caplog.at_level(logging.WARNING, logger="smarttask.accounts"):
        await _lock_for_strangers(stranger, OWNER)
    locked = [r for r in caplog.records if r.getMessage() == "login.locked"]
    assert len(locked) == 1
    record = locked[0]
    assert record.scope == "email"  # type: ignore[attr-defined]
    assert len(record.email_hash) == 16  # type: ignore[attr-defined]
    line = json.dumps(record.__dict__, default=str)
    assert OWNER not in line
    assert "owner@" not in line
