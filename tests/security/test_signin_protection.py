"""Brute-force protection of sign-in: per-email lockout and the per-IP limit (docs/api.md)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.accounts import (
    API,
    PASSWORD,
    app_of,
    assert_problem,
    assert_unauthorized,
    login,
    new_password,
    register,
)


async def _fail(client: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        response = await client.post(
            f"{API}/auth/login", json={"email": email, "password": new_password()}
        )
        assert_unauthorized(response)


def _assert_locked(response: httpx.Response) -> None:
    body = assert_problem(response, 429)
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 15 * 60
    assert "sign-in" in body["detail"] or "sign-ins" in body["detail"]


async def test_five_failures_lock_an_existing_account_even_for_the_right_password(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "target@example.com")
    await _fail(client, "target@example.com", 5)
    _assert_locked(
        await client.post(
            f"{API}/auth/login", json={"email": "target@example.com", "password": PASSWORD}
        )
    )
    # other accounts are not affected
    await register(client, "bystander@example.com")
    await login(client, "bystander@example.com")


async def test_parallel_guesses_cannot_outrun_the_lockout(client: httpx.AsyncClient) -> None:
    await register(client, "burst@example.com")
    guesses = [{"email": "burst@example.com", "password": new_password()} for _ in range(12)]
    guesses.append({"email": "burst@example.com", "password": PASSWORD})
    answers = await asyncio.gather(
        *(client.post(f"{API}/auth/login", json=body) for body in guesses)
    )
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(401) == 5, statuses  # only five guesses were ever checked
    assert statuses.count(429) == len(guesses) - 5, statuses
    assert 200 not in statuses


async def test_four_failures_do_not_lock(client: httpx.AsyncClient) -> None:
    await register(client, "almost@example.com")
    await _fail(client, "almost@example.com", 4)
    await login(client, "almost@example.com")


async def test_unknown_email_is_locked_the_same_way(client: httpx.AsyncClient) -> None:
    await _fail(client, "ghost@example.com", 5)
    _assert_locked(
        await client.post(
            f"{API}/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
        )
    )


async def test_lockout_keys_on_the_normalised_email(client: httpx.AsyncClient) -> None:
    await register(client, "mixed@example.com")
    for variant in (
        "MIXED@example.com",
        "mixed@EXAMPLE.com",
        " mixed@example.com",
        "Mixed@Example.Com",
        "mixed@example.com ",
    ):
        await _fail(client, variant, 1)
    _assert_locked(
        await client.post(
            f"{API}/auth/login", json={"email": "mixed@example.com", "password": PASSWORD}
        )
    )


async def test_lockout_answer_is_the_same_for_existing_and_unknown_emails(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "real@example.com")
    await _fail(client, "real@example.com", 5)
    await _fail(client, "fake@example.com", 5)
    real = await client.post(
        f"{API}/auth/login", json={"email": "real@example.com", "password": PASSWORD}
    )
    fake = await client.post(
        f"{API}/auth/login", json={"email": "fake@example.com", "password": PASSWORD}
    )
    _assert_locked(real)
    _assert_locked(fake)
    assert {k: v for k, v in real.json().items() if k not in ("request_id", "detail")} == {
        k: v for k, v in fake.json().items() if k not in ("request_id", "detail")
    }


async def test_per_ip_auth_limit(client_with: Any) -> None:
    client = await client_with(auth_ip_rate_limit="3/minute")
    for index in range(3):
        response = await client.post(
            f"{API}/auth/login",
            json={"email": f"user{index}@example.com", "password": new_password()},
        )
        assert_unauthorized(response)
    refused = await client.post(
        f"{API}/auth/register",
        json={"email": "new@example.com", "password": PASSWORD, "name": "New"},
    )
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-policy"] == '"auth-ip";q=3;w=60'
    # another address is not limited
    transport = httpx.ASGITransport(app=app_of(client), client=("198.51.100.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await register(other, "new@example.com")


async def test_limits_off_means_no_lockout(client_with: Any) -> None:
    client = await client_with(rate_limit_enabled=False)
    await register(client, "free@example.com")
    await _fail(client, "free@example.com", 6)
    await login(client, "free@example.com")


async def test_wrong_current_passwords_count_as_failed_sign_ins(client: httpx.AsyncClient) -> None:
    await register(client, "stolen@example.com")
    headers = {
        "Authorization": "Bearer " + (await login(client, "stolen@example.com"))["access_token"]
    }
    for _ in range(5):
        response = await client.post(
            f"{API}/users/me/password",
            json={"current_password": new_password(), "new_password": new_password()},
            headers=headers,
        )
        assert assert_unauthorized(response)["code"] == "reauth_invalid"
    # the right current password is refused now, and so is signing in
    blocked = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": new_password()},
        headers=headers,
    )
    _assert_locked(blocked)
    _assert_locked(
        await client.post(
            f"{API}/auth/login", json={"email": "stolen@example.com", "password": PASSWORD}
        )
    )
