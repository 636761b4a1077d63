"""Email verification: registration mails a link (through a real SMTP server, aiosmtpd);
opening it once marks the email verified; a signed-in user can ask for a new one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from smarttask.accounts.mail_queue import VERIFICATION_MAIL
from smarttask.accounts.models import AccountToken
from smarttask.db.types import utcnow
from smarttask.settings import Settings
from tests.support.account_mail import (
    app_database,
    jobs_of,
    link_in,
    smtp_server,
    text_of,
    worker,
    worker_settings,
)
from tests.support.accounts import (
    PASSWORD,
    assert_problem,
    register,
    register_and_login,
    set_user,
)

API = "/api/v1"
SUBJECT = "Confirm your email address"


async def verify(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/verify-email", json={"token": token})


async def me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"{API}/users/me", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_register_mail_verify_once(client: httpx.AsyncClient, settings: Settings) -> None:
    with smtp_server() as server:
        headers = await register_and_login(client, "new@example.com")
        assert (await me(client, headers))["email_verified"] is False
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to("new@example.com", SUBJECT)
    assert "new@example.com" in text_of(mail)
    assert "48 hours" in text_of(mail)
    url, token = link_in(mail, "/verify-email")
    assert url == f"https://tasks.example.org/verify-email?token={token}"

    assert (await verify(client, token)).status_code == 204
    assert (await me(client, headers))["email_verified"] is True
    again = assert_problem(await verify(client, token), 400)
    assert again["code"] == "token_invalid"


async def test_expired_unknown_and_stale_tokens_are_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    with smtp_server() as server:
        headers = await register_and_login(client, "slow@example.com")
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to("slow@example.com", SUBJECT)
    _url, token = link_in(mail, "/verify-email")
    async with app_database(client).session() as session:
        await session.execute(
            update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert_problem(await verify(client, token), 400)
    assert_problem(await verify(client, "made-up-token"), 400)
    assert (await me(client, headers))["email_verified"] is False


async def test_a_link_for_an_address_the_account_no_longer_has_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    with smtp_server() as server:
        headers = await register_and_login(client, "old@example.com")
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to("old@example.com", SUBJECT)
    _url, token = link_in(mail, "/verify-email")
    changed = await client.patch(
        f"{API}/users/me",
        json={"email": "moved@example.com", "current_password": PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert_problem(await verify(client, token), 400)
    assert (await me(client, headers))["email_verified"] is False


async def test_a_signed_in_user_can_ask_for_a_new_link(
    client_with: Any, settings: Settings
) -> None:
    client = await client_with(login_failure_limit="2/15 minutes")
    with smtp_server() as server:
        headers = await register_and_login(client, "again@example.com")
        drained = worker_settings(settings, server.port)
        await worker(app_database(client), drained).drain()
        [first] = server.to("again@example.com", SUBJECT)
        _url, old = link_in(first, "/verify-email")
        resent = await client.post(f"{API}/auth/verification", headers=headers)
        assert resent.status_code == 202, resent.text
        await worker(app_database(client), drained).drain()
        second = server.to("again@example.com", SUBJECT)[1]
        _url, token = link_in(second, "/verify-email")
        assert_problem(await verify(client, old), 400)  # the newer mail replaced it
        # Limited like sign-in failures: two per window here.
        assert (await client.post(f"{API}/auth/verification", headers=headers)).status_code == 202
        limited = await client.post(f"{API}/auth/verification", headers=headers)
        assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
    assert (await verify(client, token)).status_code == 204
    done = await client.post(f"{API}/auth/verification", headers=headers)
    assert_problem(done, 409)
    assert_problem(await client.post(f"{API}/auth/verification"), 401)


async def test_the_verification_mail_of_a_verified_user_is_not_sent(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "quick@example.com")
    await set_user(client, "quick@example.com", email_verified=True)
    with smtp_server() as server:
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        assert server.to("quick@example.com") == []
    [job] = await jobs_of(app_database(client), VERIFICATION_MAIL)
    assert job.state == "done"


async def test_bad_verification_bodies_are_refused(client: httpx.AsyncClient) -> None:
    for body in ({}, {"token": ""}, {"token": ["x"]}, {"token": "x" * 201}, {"token": "a", "b": 1}):
        assert_problem(await client.post(f"{API}/auth/verify-email", json=body), 422)
