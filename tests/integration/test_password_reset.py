"""Password reset by mail, through a real SMTP server (aiosmtpd) and the job worker.

The request only queues a job; the job makes the token and mails the link. The link works
once, for 30 minutes, revokes every sign-in, and says nothing about which emails have
accounts. A mail server that is down never fails the request: the job retries with backoff.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from smarttask.accounts.jobs import PURGE_TOKENS
from smarttask.accounts.mail_queue import PASSWORD_RESET_MAIL, VERIFICATION_MAIL
from smarttask.accounts.models import AccountToken
from smarttask.db.types import utcnow
from smarttask.jobs.models import Job
from smarttask.jobs.queue import enqueue
from smarttask.settings import Settings
from tests.support import free_port
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
    bearer,
    login,
    new_password,
    refresh,
    register,
    set_user,
)
from tests.support.jobs import FakeClock

API = "/api/v1"
SUBJECT = "Reset your smarttask password"


async def ask_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(f"{API}/auth/password-reset", json={"email": email})


async def confirm(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": password}
    )


async def reset_token(client: httpx.AsyncClient, settings: Settings, email: str) -> tuple[str, Any]:
    """Ask for a reset of `email`, run the jobs against a real SMTP server; link and token."""
    with smtp_server() as server:
        assert (await ask_reset(client, email)).status_code == 202
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to(email, SUBJECT)
    return link_in(mail, "/reset-password")


async def test_the_reset_mail_arrives_and_its_link_works_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "ada@example.com", name="Ada Lovelace")
    signed_in = await login(client, "ada@example.com")
    with smtp_server() as server:
        answer = await ask_reset(client, "Ada@Example.com")
        assert answer.status_code == 202
        assert "on its way" in answer.json()["detail"]
        assert not server.inbox.messages  # nothing is sent by the request itself
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to("ada@example.com", SUBJECT)
    assert mail["From"] == "smarttask <accounts@example.org>"
    assert "Hello Ada Lovelace" in text_of(mail)
    assert "30 minutes" in text_of(mail)
    url, token = link_in(mail, "/reset-password")
    assert url == f"https://tasks.example.org/reset-password?token={token}"

    # Only the SHA-256 of the token is stored.
    async with app_database(client).session(writes=False) as session:
        stored = list((await session.scalars(select(AccountToken.token_hash))).all())
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored

    password = new_password()
    assert (await confirm(client, token, password)).status_code == 204
    again = assert_problem(await confirm(client, token, new_password()), 400)
    assert again["code"] == "token_invalid"

    # Every sign-in from before is gone: the refresh token and the access token fail.
    assert_problem(await refresh(client, signed_in["refresh_token"]), 401)
    me = await client.get(f"{API}/users/me", headers=bearer(signed_in["access_token"]))
    assert_problem(me, 401)
    old = await client.post(
        f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert_problem(old, 401)
    fresh = await login(client, "ada@example.com", password)
    profile = await client.get(f"{API}/users/me", headers=bearer(fresh["access_token"]))
    assert profile.json()["email_verified"] is True  # the link proved the mailbox


async def test_unknown_and_disabled_emails_get_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "known@example.com")
    await register(client, "disabled@example.com")
    await set_user(client, "disabled@example.com", is_active=False)
    with smtp_server() as server:
        answers = [
            await ask_reset(client, email)
            for email in ("known@example.com", "nobody@example.com", "disabled@example.com")
        ]
        assert {a.status_code for a in answers} == {202}
        assert len({a.content for a in answers}) == 1  # byte for byte the same answer
        # The same work for each: one queued job, whoever the email belongs to.
        assert len(await jobs_of(app_database(client), PASSWORD_RESET_MAIL)) == 3
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        assert len(server.to("known@example.com", SUBJECT)) == 1
        assert server.to("nobody@example.com") == []
        assert server.to("disabled@example.com", SUBJECT) == []
    states = {job.state for job in await jobs_of(app_database(client), PASSWORD_RESET_MAIL)}
    assert states == {"done"}


async def test_an_expired_or_unknown_token_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "late@example.com")
    _url, token = await reset_token(client, settings, "late@example.com")
    async with app_database(client).session() as session:
        await session.execute(
            update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    body = assert_problem(await confirm(client, token, new_password()), 400)
    assert "expired" in body["detail"]
    assert_problem(await confirm(client, "not-a-token-we-made", new_password()), 400)
    await login(client, "late@example.com", PASSWORD)  # the password did not change


async def test_a_refused_password_keeps_the_link_usable(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "grace@example.com", name="Grace Hopper")
    _url, token = await reset_token(client, settings, "grace@example.com")
    weak = assert_problem(await confirm(client, token, "password123"), 422)
    assert weak["errors"][0]["loc"] == ["body", "new_password"]
    assert (await confirm(client, token, new_password())).status_code == 204


async def test_a_newer_mail_replaces_the_older_link(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "twice@example.com")
    _first_url, first = await reset_token(client, settings, "twice@example.com")
    _second_url, second = await reset_token(client, settings, "twice@example.com")
    assert_problem(await confirm(client, first, new_password()), 400)
    assert (await confirm(client, second, new_password())).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email"},
        {"email": "ada\x00@example.com"},
        {"email": "<script>alert(1)</script>@example.com"},
        {"email": "ada@example.com", "admin": True},
        {"email": ["ada@example.com"]},
        {},
    ],
)
async def test_bad_requests_are_refused_and_queue_nothing(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_problem(await client.post(f"{API}/auth/password-reset", json=body), 422)
    assert await jobs_of(app_database(client), PASSWORD_RESET_MAIL) == []


async def test_bad_confirmations_are_refused(client: httpx.AsyncClient) -> None:
    for body in (
        {"token": "x"},
        {"token": "x" * 201, "new_password": new_password()},
        {"token": "abc", "new_password": "short"},
        {"token": 5, "new_password": new_password()},
    ):
        assert_problem(await client.post(f"{API}/auth/password-reset/confirm", json=body), 422)
    huge = {"token": "a" * 2_000_000, "new_password": new_password()}
    assert_problem(await client.post(f"{API}/auth/password-reset/confirm", json=huge), 413)


async def test_reset_requests_are_rate_limited_like_sign_in(client_with: Any) -> None:
    client = await client_with(auth_ip_rate_limit="3/minute")
    for _ in range(3):
        assert (await ask_reset(client, "someone@example.com")).status_code == 202
    assert_problem(await ask_reset(client, "someone@example.com"), 429)
    refused = await ask_reset(client, "other@example.com")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


async def test_one_address_gets_at_most_the_sign_in_failure_limit_of_mails(
    client_with: Any, settings: Settings
) -> None:
    client = await client_with(login_failure_limit="2/15 minutes")
    await register(client, "flooded@example.com")
    with smtp_server() as server:
        for _ in range(4):  # each one sent before the next is asked for
            assert (await ask_reset(client, "flooded@example.com")).status_code == 202
            await worker(app_database(client), worker_settings(settings, server.port)).drain()
        assert len(server.to("flooded@example.com", SUBJECT)) == 2


async def test_a_mail_server_that_is_down_delays_the_mail_not_the_request(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "patient@example.com")
    port = free_port()  # nothing listens here: connections are refused
    database = app_database(client)
    async with database.session() as session:  # only the reset mail is under test here
        await session.execute(delete(Job).where(Job.kind == VERIFICATION_MAIL))
        await session.commit()

    answer = await ask_reset(client, "patient@example.com")
    assert answer.status_code == 202
    clock = FakeClock()
    down = worker(database, worker_settings(settings, port), clock)
    [queued] = await jobs_of(database, PASSWORD_RESET_MAIL)
    assert (queued.state, queued.attempts) == ("queued", 0)

    gaps = []
    for attempt in (1, 2, 3):
        assert await down.drain() == 1
        [job] = await jobs_of(database, PASSWORD_RESET_MAIL)
        assert (job.state, job.attempts) == ("queued", attempt)
        assert "refused the connection" in (job.last_error or "")
        gaps.append(job.run_at - clock.now)
        assert await down.drain() == 0  # not due before its time
        clock.advance_to(job.run_at)
    assert gaps[0] < gaps[1] < gaps[2]  # exponential backoff
    async with database.session(writes=False) as session:
        # A failed attempt's token was rolled back with it: none is stored.
        assert (await session.scalar(select(func.count()).select_from(AccountToken))) == 0

    with smtp_server(port) as server:  # the server is back, on the same port
        assert await down.drain() == 1
        [mail] = server.to("patient@example.com", SUBJECT)
    [job] = await jobs_of(database, PASSWORD_RESET_MAIL)
    assert (job.state, job.attempts) == ("done", 4)
    _url, token = link_in(mail, "/reset-password")
    assert (await confirm(client, token, new_password())).status_code == 204


async def test_the_mail_job_is_dead_after_the_configured_attempts(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    database = app_database(client)
    await register(client, "tries@example.com")
    async with database.session() as session:  # only the reset mail is under test here
        await session.execute(delete(Job).where(Job.kind == VERIFICATION_MAIL))
        await session.commit()
    assert (await ask_reset(client, "tries@example.com")).status_code == 202
    clock = FakeClock()
    down = worker(database, worker_settings(settings, free_port(), mail_max_attempts=2), clock)
    assert await down.drain() == 1
    [job] = await jobs_of(database, PASSWORD_RESET_MAIL)
    assert (job.state, job.attempts) == ("queued", 1)
    clock.advance_to(job.run_at)
    assert await down.drain() == 1
    [job] = await jobs_of(database, PASSWORD_RESET_MAIL)
    assert (job.state, job.attempts) == ("dead", 2)
    assert "gave up after 2 attempts" in (job.last_error or "")


async def test_expired_tokens_are_purged(client: httpx.AsyncClient, settings: Settings) -> None:
    await register(client, "old@example.com")
    await reset_token(client, settings, "old@example.com")
    database = app_database(client)
    async with database.session() as session:
        await session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(days=2)))
        await enqueue(session, PURGE_TOKENS, {})
        await session.commit()
    with smtp_server() as server:
        await worker(database, worker_settings(settings, server.port)).drain()
    async with database.session(writes=False) as session:
        assert (await session.scalar(select(func.count()).select_from(AccountToken))) == 0
