"""The security log (docs/security.md, Security log): every security event is recorded after
its action, with who acted on whom, from which address and user agent; refusals stay
recorded although their own transaction rolls back; instance administrators read it through
`GET /api/v1/audit-log`, filtered and paginated; a daily job forgets old events; and no row
ever holds a password, token, code or secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from smarttask import securitylog
from smarttask.accounts.tokens import hash_secret
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.registry import JobContext
from smarttask.securitylog import jobs as securitylog_jobs
from smarttask.securitylog.models import SecurityEvent
from smarttask.settings import Settings
from tests.support import make_settings
from tests.support.account_mail import (
    app_database,
    link_in,
    smtp_server,
    worker,
    worker_settings,
)
from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    assert_problem,
    bearer,
    create_api_token,
    enable_totp,
    login,
    new_password,
    refresh,
    register,
    register_admin,
    totp_code,
)
from tests.support.log_scan import register_secret

AGENT = "SecurityLogProbe/1.0 (distinctive; +https://example.org/probe)"
IP = "203.0.113.7"  # the in-process clients' address (tests/conftest.py)
EVENTS = (
    "login.succeeded",
    "login.failed",
    "login.locked",
    "refresh.reused",
    "password.changed",
    "password.reset",
    "totp.enabled",
    "totp.disabled",
    "token.created",
    "token.revoked",
    "user.disabled",
    "user.deleted",
    "member.added",
    "member.role_changed",
    "member.removed",
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Room for every sign-in of a scenario from one address (the per-email lockout stays)."""
    return {"auth_ip_rate_limit": "100000/minute"}


@pytest.fixture(autouse=True)
def distinctive_agent(client: httpx.AsyncClient) -> None:
    """Every request of these tests carries AGENT as its User-Agent."""
    client.headers["User-Agent"] = AGENT


async def stored(client: httpx.AsyncClient) -> list[SecurityEvent]:
    """Every row of the security log, oldest first."""
    database: Database = app_database(client)
    async with database.session(writes=False) as session:
        statement = select(SecurityEvent).order_by(SecurityEvent.created_at, SecurityEvent.id)
        return list((await session.scalars(statement)).all())


async def only(client: httpx.AsyncClient, event: str, **where: Any) -> SecurityEvent:
    """The one row of an event (whose columns or details have these values)."""

    def matches(row: SecurityEvent) -> bool:
        values = {**row.details, "actor_id": row.actor_id, "target_id": row.target_id}
        return row.event == event and all(values.get(k) == v for k, v in where.items())

    found = [row for row in await stored(client) if matches(row)]
    assert len(found) == 1, f"{event} {where}: {[(r.event, r.details) for r in found]}"
    return found[0]


def assert_from_here(row: SecurityEvent) -> None:
    """The row names this test's address and user agent."""
    assert (row.ip, row.user_agent) == (IP, AGENT), (row.event, row.ip, row.user_agent)


async def me(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """The id of the signed-in user."""
    answer = await client.get(f"{API}/users/me", headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


@dataclass
class Person:
    """A registered, signed-in account and what it holds."""

    id: str
    email: str
    password: str
    pair: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        """Its bearer header."""
        return bearer(self.pair["access_token"])


async def person(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Person:
    """Register and sign in."""
    user = await register(client, email, password)
    return Person(user["id"], email, password, await login(client, email, password))


# --- each event, after its action ------------------------------------------------------------


async def test_sign_ins_are_logged_with_actor_address_and_agent(
    client: httpx.AsyncClient,
) -> None:
    ada = await person(client, "ada@example.com")
    row = await only(client, "login.succeeded", actor_id=ada.id)
    assert_from_here(row)
    assert row.target_id == ada.id
    assert row.details["two_factor"] is False
    assert row.details["session_id"]

    wrong = await client.post(
        f"{API}/auth/login", json={"email": ada.email, "password": "not-her-password-1"}
    )
    assert_problem(wrong, 401)
    failed = await only(client, "login.failed", actor_id=ada.id)
    assert_from_here(failed)
    assert (failed.target_id, failed.details) == (ada.id, {"reason": "wrong_password"})

    unknown = await client.post(
        f"{API}/auth/login", json={"email": "nobody@example.com", "password": "guess-1234-x"}
    )
    assert_problem(unknown, 401)
    stranger = await only(client, "login.failed", reason="unknown_email")
    assert_from_here(stranger)
    assert (stranger.actor_id, stranger.target_id) == (None, None)
    assert set(stranger.details) == {"reason", "email_fingerprint"}
    assert re.fullmatch(r"[0-9a-f]{16}", stranger.details["email_fingerprint"])


async def test_the_failure_that_locks_an_email_is_logged(client: httpx.AsyncClient) -> None:
    ada = await person(client, "ada@example.com")
    for _ in range(5):
        answer = await client.post(
            f"{API}/auth/login", json={"email": ada.email, "password": "not-her-password-1"}
        )
        assert_problem(answer, 401)
    locked = await only(client, "login.locked", actor_id=ada.id)
    assert_from_here(locked)
    assert locked.details["scope"] == "email"
    assert locked.details["retry_after_seconds"] >= 1
    assert len([r for r in await stored(client) if r.event == "login.failed"]) == 5
    refused = await client.post(
        f"{API}/auth/login", json={"email": ada.email, "password": PASSWORD}
    )
    assert_problem(refused, 429)


async def test_a_reused_refresh_token_is_logged_with_the_revocation(
    client: httpx.AsyncClient,
) -> None:
    ada = await person(client, "ada@example.com")
    first = ada.pair["refresh_token"]
    assert (await refresh(client, first)).status_code == 200
    assert_problem(await refresh(client, first), 401)
    row = await only(client, "refresh.reused", actor_id=ada.id)
    assert_from_here(row)
    assert row.target_id == ada.id
    assert row.details == {
        "session_id": (await only(client, "login.succeeded")).details["session_id"]
    }


async def test_account_changes_are_logged(client: httpx.AsyncClient) -> None:
    ada = await person(client, "ada@example.com")
    token = await create_api_token(client, ada.headers, "deploy")
    created = await only(client, "token.created", actor_id=ada.id)
    assert created.details == {"token_id": token["id"], "name": "deploy"}
    revoked = await client.delete(f"{API}/users/me/tokens/{token['id']}", headers=ada.headers)
    assert revoked.status_code == 204
    assert (await only(client, "token.revoked")).details["token_id"] == token["id"]

    secret = await enable_totp(client, ada.headers)
    await only(client, "totp.enabled", actor_id=ada.id)
    off = await client.request(
        "DELETE", f"{API}/users/me/totp", json={"code": totp_code(secret)}, headers=ada.headers
    )
    assert off.status_code == 204, off.text
    await only(client, "totp.disabled", actor_id=ada.id)

    changed = await client.post(
        f"{API}/users/me/password",
        json={**PROOF, "new_password": new_password()},
        headers=ada.headers,
    )
    assert changed.status_code == 204, changed.text
    row = await only(client, "password.changed", actor_id=ada.id)
    assert row.details == {"revoked_session_count": 1, "revoked_api_token_count": 0}
    for event in ("token.created", "token.revoked", "totp.enabled", "totp.disabled"):
        row = await only(client, event)
        assert_from_here(row)
        assert (row.actor_id, row.target_id) == (ada.id, ada.id)


async def test_a_wrong_proof_is_logged_and_changes_nothing_else(client: httpx.AsyncClient) -> None:
    ada = await person(client, "ada@example.com")
    refused = await client.post(
        f"{API}/users/me/tokens",
        json={"name": "x", "current_password": "not-her-password-1"},
        headers=ada.headers,
    )
    assert_problem(refused, 401)
    assert_from_here(await only(client, "reauth.failed", actor_id=ada.id))
    assert not [row for row in await stored(client) if row.event == "token.created"]


async def test_a_password_reset_is_logged(client: httpx.AsyncClient, settings: Settings) -> None:
    ada = await person(client, "ada@example.com")
    with smtp_server() as server:
        asked = await client.post(f"{API}/auth/password-reset", json={"email": ada.email})
        assert asked.status_code == 202
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to(ada.email, "Reset your smarttask password")
    _url, token = link_in(mail, "/reset-password")
    done = await client.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": token, "new_password": new_password()},
    )
    assert done.status_code == 204, done.text
    row = await only(client, "password.reset", actor_id=ada.id)
    assert_from_here(row)
    assert row.details == {"revoked_session_count": 1, "revoked_api_token_count": 0}


async def test_administrators_actions_are_logged(client: httpx.AsyncClient) -> None:
    admin_headers = await register_admin(client, "root@example.com")
    admin_id = await me(client, admin_headers)
    ada = await person(client, "ada@example.com")
    proof = {"current_password": PASSWORD}
    for body in ({"is_active": False}, {"is_active": True}, {"is_admin": True}):
        changed = await client.patch(
            f"{API}/users/{ada.id}", json={**body, **proof}, headers=admin_headers
        )
        assert changed.status_code == 200, changed.text
    erased = await client.request(
        "DELETE", f"{API}/users/{ada.id}", json=proof, headers=admin_headers
    )
    assert erased.status_code == 204, erased.text
    for event in ("user.disabled", "user.enabled", "user.admin_granted", "user.deleted"):
        row = await only(client, event)
        assert_from_here(row)
        assert (row.actor_id, row.target_id) == (admin_id, ada.id), event

    grace = await person(client, "grace@example.com")
    gone = await client.request("DELETE", f"{API}/users/me", json=PROOF, headers=grace.headers)
    assert gone.status_code == 204, gone.text
    row = await only(client, "user.deleted", actor_id=grace.id)
    assert (row.target_id, row.ip, row.user_agent) == (grace.id, IP, AGENT)


async def test_membership_changes_are_logged(client: httpx.AsyncClient, settings: Settings) -> None:
    owner = await person(client, "owner@example.com")
    grace = await person(client, "grace@example.com")
    made = await client.post(f"{API}/workspaces", json={"name": "Moon"}, headers=owner.headers)
    workspace_id = made.json()["id"]
    created = await only(client, "member.added", target_id=owner.id)
    assert created.details == {"workspace_id": workspace_id, "role": "owner"}

    members = f"{API}/workspaces/{workspace_id}/members"
    added = await client.post(
        members, json={"email": grace.email, "role": "viewer"}, headers=owner.headers
    )
    assert added.status_code == 201, added.text
    row = await only(client, "member.added", target_id=grace.id)
    assert (row.actor_id, row.details) == (
        owner.id,
        {"workspace_id": workspace_id, "role": "viewer"},
    )
    changed = await client.patch(
        f"{members}/{grace.id}", json={"role": "member"}, headers=owner.headers
    )
    assert changed.status_code == 200, changed.text
    row = await only(client, "member.role_changed", target_id=grace.id)
    assert (row.actor_id, row.details) == (
        owner.id,
        {"workspace_id": workspace_id, "old_role": "viewer", "new_role": "member"},
    )
    removed = await client.delete(f"{members}/{grace.id}", headers=owner.headers)
    assert removed.status_code == 204, removed.text
    row = await only(client, "member.removed", target_id=grace.id)
    assert (row.actor_id, row.details) == (
        owner.id,
        {"workspace_id": workspace_id, "role": "member"},
    )

    invited = await client.post(
        f"{API}/workspaces/{workspace_id}/invitations",
        json={"email": grace.email, "role": "admin"},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    token = await invitation_token(client, settings, grace.email)
    joined = await client.post(
        f"{API}/invitations/accept", json={"token": token}, headers=grace.headers
    )
    assert joined.status_code == 200, joined.text
    row = await only(client, "member.added", target_id=grace.id, role="admin")
    assert (row.actor_id, row.details["invitation_id"]) == (grace.id, invited.json()["id"])
    for row in await stored(client):
        if row.event.startswith("member."):
            assert_from_here(row)


async def invitation_token(client: httpx.AsyncClient, settings: Settings, email: str) -> str:
    """Run the mail jobs against a real SMTP server; the token of the invitation to `email`."""
    with smtp_server() as server:
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        found = server.to(email, "invited you")
    assert found, f"no invitation mail to {email}"
    return link_in(found[-1], "/invitations/accept")[1]


# --- refusals outlive their transaction --------------------------------------------------------


async def test_a_refusal_is_kept_although_its_transaction_rolls_back(
    client: httpx.AsyncClient,
) -> None:
    """In the caller's transaction (`record`) an event goes with it; apart (`record_after`)
    it is written once that transaction has ended, even by a rollback."""
    database = app_database(client)
    async with database.session() as session:
        securitylog.record(session, "probe.in_transaction", actor_id=None)
        securitylog.record_after(session, "probe.apart", actor_id=None, details={"n": 1})
        await session.flush()
        await session.rollback()
    async with database.session() as session:
        securitylog.record(session, "probe.committed", actor_id=None)
        await session.commit()
    await securitylog.record_apart(database, "probe.now", actor_id=None, ip="192.0.2.1")
    rows = {row.event: row for row in await stored(client)}
    assert set(rows) == {"probe.apart", "probe.committed", "probe.now"}
    assert rows["probe.apart"].details == {"n": 1}
    assert (rows["probe.now"].ip, rows["probe.now"].user_agent) == ("192.0.2.1", None)


async def test_a_failed_sign_in_is_kept_while_its_changes_are_not(
    client: httpx.AsyncClient,
) -> None:
    """A wrong one-time code: the request's transaction rolls back (the code's time step is
    not spent), its login.failed stays."""
    ada = await person(client, "ada@example.com")
    secret = await enable_totp(client, ada.headers)
    wrong = pyotp.TOTP(secret).at(utcnow().timestamp() + 30 * 20)  # never accepted now
    refused = await client.post(
        f"{API}/auth/login", json={"email": ada.email, "password": PASSWORD, "totp_code": wrong}
    )
    assert_problem(refused, 401)
    failed = await only(client, "login.failed", reason="wrong_code")
    assert_from_here(failed)
    assert failed.actor_id == ada.id
    # The current code still works: nothing of the refused sign-in was kept.
    assert (await login(client, ada.email, totp_code=totp_code(secret))).get("access_token")


# --- reading it ----------------------------------------------------------------------------------


async def test_only_instance_administrators_read_it(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/audit-log"), 401)
    ada = await person(client, "ada@example.com")
    assert_problem(await client.get(f"{API}/audit-log", headers=ada.headers), 403)
    admin = await register_admin(client, "root@example.com")
    answer = await client.get(f"{API}/audit-log", headers=admin)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert set(items[0]) == {
        "id",
        "event",
        "actor_id",
        "target_id",
        "ip",
        "user_agent",
        "details",
        "created_at",
    }
    assert [item["event"] for item in items] == ["login.succeeded"] * 2
    assert items[0]["created_at"].endswith("Z")


async def test_filters_and_pages(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "root@example.com")
    admin_id = await me(client, admin)
    ada = await person(client, "ada@example.com")
    for _ in range(3):
        await client.post(
            f"{API}/auth/login", json={"email": ada.email, "password": "not-her-password-1"}
        )

    async def read(**params: Any) -> dict[str, Any]:
        answer = await client.get(f"{API}/audit-log", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    everything = (await read(limit=100))["items"]
    assert [e["event"] for e in everything] == ["login.failed"] * 3 + ["login.succeeded"] * 2
    times = [e["created_at"] for e in everything]
    assert times == sorted(times, reverse=True)
    assert {e["actor_id"] for e in (await read(actor_id=ada.id))["items"]} == {ada.id}
    assert len((await read(actor_id=ada.id, event="login.failed"))["items"]) == 3
    assert [e["actor_id"] for e in (await read(event="login.succeeded"))["items"]] == [
        ada.id,
        admin_id,
    ]
    assert [e["id"] for e in (await read(target_id=admin_id))["items"]] == [everything[-1]["id"]]
    middle = everything[2]["created_at"]
    since = [e["id"] for e in (await read(**{"from": middle}))["items"]]
    assert since == [e["id"] for e in everything[:3]]  # `from` is inclusive
    before = [e["id"] for e in (await read(to=middle))["items"]]
    assert before == [e["id"] for e in everything[3:]]  # `to` is exclusive
    assert (await read(**{"from": "2999-01-01T00:00:00+01:00"}))["items"] == []

    # Two by two, while new events are written: nothing skipped or repeated.
    seen: list[str] = []
    page = await read(limit=2)
    while True:
        seen += [e["id"] for e in page["items"]]
        await client.post(f"{API}/auth/login", json={"email": ada.email, "password": "nope-12345"})
        if page["next_cursor"] is None:
            break
        page = await read(limit=2, cursor=page["next_cursor"])
    assert seen == [e["id"] for e in everything]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-12-01T10:00:00"}, "from"),  # no offset: which zone?
        ({"to": "2026-12-01"}, "to"),
        ({"from": "9999-12-31T23:59:59-00:01"}, "from"),  # no UTC equivalent
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "from"),
        ({"event": "Login Failed"}, "event"),
        ({"event": "x" * 65}, "event"),
        ({"actor_id": ""}, "actor_id"),
        ({"actor_id": "a" * 65}, "actor_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
async def test_bad_filters_are_422(
    client: httpx.AsyncClient, params: dict[str, str], where: str
) -> None:
    admin = await register_admin(client, "root@example.com")
    answer = await client.get(f"{API}/audit-log", params=params, headers=admin)
    body = assert_problem(answer, 422)
    assert [error["loc"][-1] for error in body["errors"]] == [where], body


async def test_a_nul_byte_in_a_filter_is_422(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "root@example.com")
    answer = await client.get(f"{API}/audit-log?actor_id=a%00b", headers=admin)
    assert_problem(answer, 422)


# --- retention -------------------------------------------------------------------------------


async def _prune(database: Database, database_url: str, days: int) -> None:
    settings = make_settings(database_url, security_log_retention_days=days)
    async with database.session() as session:
        context = JobContext(session, database, settings, job_id="probe", attempt=1)
        await securitylog_jobs.prune(context, {})
        await session.commit()


async def test_the_daily_job_forgets_events_older_than_the_retention(
    client: httpx.AsyncClient, database_url: str
) -> None:
    database = app_database(client)
    for number in range(4):
        await securitylog.record_apart(
            database, "probe.event", actor_id=None, details={"n": number}
        )
    rows = await stored(client)
    ages = {rows[0].id: 400, rows[1].id: 31, rows[2].id: 29}  # days; the last one is new
    async with database.session() as session:
        for row_id, days in ages.items():
            moment = utcnow() - timedelta(days=days)
            await session.execute(
                update(SecurityEvent).where(SecurityEvent.id == row_id).values(created_at=moment)
            )
        await session.commit()

    await _prune(database, database_url, 0)  # 0 keeps every event
    assert len(await stored(client)) == 4
    await _prune(database, database_url, 365)
    assert [row.details["n"] for row in await stored(client)] == [1, 2, 3]
    await _prune(database, database_url, 30)
    assert [row.details["n"] for row in await stored(client)] == [2, 3]
    assert securitylog_jobs.PRUNE in securitylog_jobs.registry.periodic
    assert securitylog_jobs.registry.periodic[securitylog_jobs.PRUNE].every == timedelta(days=1)


def test_the_retention_setting_defaults_to_a_year() -> None:
    assert make_settings("sqlite+aiosqlite:///:memory:").security_log_retention_days == 365
    with pytest.raises(ValueError, match="security_log_retention_days"):
        make_settings("sqlite+aiosqlite:///:memory:", security_log_retention_days=-1)


# --- never a secret ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        {"password": "x"},
        {"new_password": "x"},
        {"refresh_token": "x"},
        {"refreshToken": "x"},
        {"api_tokens": ["x"]},
        {"totp_code": "123456"},
        {"code": "123456"},
        {"totp_secret": "x"},
        {"secret": "x"},
        {"token_hash": "x"},
        {"password_hash": "x"},
        {"idempotency_key": "x"},
        {"outer": {"session": {"access_token": "x"}}},
        {"list": [{"otp": "123456"}]},
        {"object": object()},
    ],
)
async def test_details_naming_a_secret_are_refused(
    client: httpx.AsyncClient, details: dict[str, Any]
) -> None:
    database = app_database(client)
    with pytest.raises(securitylog.SecretInDetails):
        await securitylog.record_apart(database, "probe.secret", actor_id=None, details=details)
    async with database.session() as session:
        with pytest.raises(securitylog.SecretInDetails):
            securitylog.record(session, "probe.secret", actor_id=None, details=details)
    assert await stored(client) == []


async def test_details_that_only_identify_or_count_are_kept(client: httpx.AsyncClient) -> None:
    database = app_database(client)
    details = {
        "token_id": "t1",
        "session_id": "s1",
        "revoked_api_token_count": 2,
        "reason": "wrong_code",
        "name": "x" * 500,
        "at": utcnow(),
    }
    await securitylog.record_apart(database, "probe.kept", actor_id=None, details=details)
    [row] = await stored(client)
    assert row.details["token_id"] == "t1"
    assert len(row.details["name"]) == 200  # texts are cut
    assert row.details["at"].endswith("Z")
    with pytest.raises(ValueError, match="event name"):
        await securitylog.record_apart(database, "Not An Event", actor_id=None)


@dataclass
class Secrets:
    """Every secret a scenario used: none may be in any row of the log."""

    long: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        """Keep secrets (and the SHA-256 the server stores of tokens); a sign-in's answer
        gives its tokens (its token type and lifetime are no secrets)."""
        for value in values:
            if isinstance(value, str) and value != "bearer":
                register_secret(value)
                self.long |= {value, hash_secret(value)}

    def code(self, value: str) -> str:
        """Keep a one-time code; the code."""
        self.codes.add(value)
        return value


async def test_every_action_then_no_secret_in_any_row(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Performs every recorded action (and the refusals) through the API; afterwards no row
    of security_event holds a password, access, refresh or API token, TOTP secret or code,
    reset or invitation token, nor the SHA-256 or argon2 hash of one."""
    kept = Secrets()
    admin = await register_admin(client, "root@example.com")
    ada = await person(client, "ada@example.com")
    grace = await person(client, "grace@example.com")
    kept.add(PASSWORD, *ada.pair.values(), *grace.pair.values())
    kept.add(admin["Authorization"].removeprefix("Bearer "))
    typo = "ada-typed-her-password-here-77"
    wrong = "not-her-password-but-close-1"
    kept.add(typo, wrong)
    # Refusals: a wrong password, a password typed into the email field, an unknown email,
    # a lockout (five failures), a wrong proof, a reused refresh token.
    for email, password in [(ada.email, wrong), (typo, wrong), ("nobody@example.com", typo)]:
        assert_problem(
            await client.post(f"{API}/auth/login", json={"email": email, "password": password}),
            401,
        )
    for _ in range(5):
        await client.post(f"{API}/auth/login", json={"email": grace.email, "password": wrong})
    refused = await client.post(
        f"{API}/users/me/tokens", json={"name": "x", "current_password": wrong}, headers=ada.headers
    )
    assert_problem(refused, 401)
    renewed = await refresh(client, ada.pair["refresh_token"])
    kept.add(*renewed.json().values())
    assert_problem(await refresh(client, ada.pair["refresh_token"]), 401)
    ada.pair = await login(client, ada.email)
    kept.add(*ada.pair.values())
    # API tokens, two-step sign-in, passwords.
    token = await create_api_token(client, ada.headers, "deploy")
    kept.add(token["token"])
    await client.delete(f"{API}/users/me/tokens/{token['id']}", headers=ada.headers)
    secret = await enable_totp(client, ada.headers)
    kept.add(secret)
    kept.code(totp_code(secret, -1))
    signed = await login(client, ada.email, totp_code=kept.code(totp_code(secret)))
    kept.add(*signed.values())
    off = await client.request(
        "DELETE",
        f"{API}/users/me/totp",
        json={"code": kept.code(totp_code(secret, 1))},
        headers=bearer(signed["access_token"]),
    )
    assert off.status_code == 204, off.text
    changed_to = new_password()
    kept.add(changed_to)
    changed = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": changed_to},
        headers=bearer(signed["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    with smtp_server() as server:
        await client.post(f"{API}/auth/password-reset", json={"email": ada.email})
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [mail] = server.to(ada.email, "Reset your smarttask password")
    reset_token = link_in(mail, "/reset-password")[1]
    reset_to = new_password()
    kept.add(reset_token, reset_to)
    reset = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": reset_token, "new_password": reset_to}
    )
    assert reset.status_code == 204, reset.text
    ada.pair = await login(client, ada.email, reset_to)
    kept.add(*ada.pair.values())
    # Workspaces: add, change, remove, invite and accept.
    made = await client.post(f"{API}/workspaces", json={"name": "Moon"}, headers=ada.headers)
    members = f"{API}/workspaces/{made.json()['id']}/members"
    dave = await person(client, "dave@example.com")
    kept.add(*dave.pair.values())
    await client.post(members, json={"email": dave.email, "role": "viewer"}, headers=ada.headers)
    await client.patch(f"{members}/{dave.id}", json={"role": "member"}, headers=ada.headers)
    await client.delete(f"{members}/{dave.id}", headers=ada.headers)
    await client.post(
        f"{API}/workspaces/{made.json()['id']}/invitations",
        json={"email": dave.email, "role": "member"},
        headers=ada.headers,
    )
    invitation = await invitation_token(client, settings, dave.email)
    kept.add(invitation)
    joined = await client.post(
        f"{API}/invitations/accept", json={"token": invitation}, headers=dave.headers
    )
    assert joined.status_code == 200, joined.text
    # Administrators: disable, delete; and a user erasing their own account.
    proof = {"current_password": PASSWORD}
    await client.patch(f"{API}/users/{dave.id}", json={"is_active": False, **proof}, headers=admin)
    await client.request("DELETE", f"{API}/users/{dave.id}", json=proof, headers=admin)
    await client.request(
        "DELETE", f"{API}/users/me", json={"current_password": reset_to}, headers=ada.headers
    )

    rows = await stored(client)
    assert {row.event for row in rows} >= set(EVENTS)
    assert all((row.ip, row.user_agent) == (IP, AGENT) for row in rows)
    for row in rows:
        text = repr(
            (row.id, row.event, row.actor_id, row.target_id, row.ip, row.user_agent, row.details)
        )
        assert "$argon2" not in text
        leaked = [value[:4] + "…" for value in kept.long if value in text]
        assert not leaked, f"{row.event} holds a secret: {leaked}"
        # Codes are six digits: looked for outside the ids and timestamps, digits by nature.
        words = set(re.findall(r"\d+", TIMESTAMP.sub("", UUID.sub("", text))))
        assert not kept.codes & words, f"{row.event} holds a one-time code"
