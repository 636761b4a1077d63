"""Step-up (docs/security.md): a stolen bearer token must not become the account.

Account control needs proof in the request body (the current password, or a one-time code
where TOTP is on), and API tokens can never do it. The route list below is the one place
that says which routes are account control: a new route under /api/v1/users/me fails
`test_every_users_me_route_is_classified` until it is put in one of the three lists
(account control, signed-in sessions only, or neither).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.routing import BaseRoute

from smarttask.accounts.models import ApiToken, RefreshToken, User
from smarttask.app import create_app
from smarttask.speed._fastapi_private import flat_routes
from tests.support import make_settings
from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    app_of,
    assert_problem,
    assert_unauthorized,
    bearer,
    create_api_token,
    enable_totp,
    login,
    new_password,
    register,
    register_admin,
    totp_code,
)
from tests.support.log_scan import register_secret

ME = "/api/v1/users/me"
# Account control: a body without proof for each (the target user is filled in per test).
ACCOUNT_CONTROL: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{ME}/tokens"): {"name": "attacker's token"},
    ("POST", f"{ME}/totp"): {},
    ("POST", f"{ME}/totp/confirm"): {"code": "123456"},
    ("DELETE", f"{ME}/totp"): {},
    ("PATCH", ME): {"email": "attacker@example.net"},
    ("POST", f"{ME}/password"): {"new_password": "attacker-chosen-passphrase-77"},
    ("DELETE", ME): {},
    ("PATCH", "/api/v1/users/{user_id}"): {"is_active": False},
    ("DELETE", "/api/v1/users/{user_id}"): {},
    # A ZIP of everything the account holds (docs/export.md).
    ("POST", f"{ME}/export"): {},
}
# Not account control, yet refused to API tokens (403): a signed-in session is enough, no
# proof in the body. The calendar feed's secret URL opens one's tasks to any calendar app
# (docs/calendar.md): a CI token must not mint or revoke it. Each with its success status.
SESSION_ONLY: dict[tuple[str, str], int] = {
    ("POST", f"{ME}/calendar-feed"): 201,
    ("DELETE", f"{ME}/calendar-feed"): 204,
}
# Routes under /users/me that only read, take access away from the caller's own tokens, or
# change only how the caller is notified.
NOT_ACCOUNT_CONTROL = {
    ("GET", ME),
    ("GET", f"{ME}/tokens"),
    ("DELETE", f"{ME}/tokens/{{token_id}}"),
    ("GET", f"{ME}/tasks"),
    ("GET", f"{ME}/timer"),
    ("GET", f"{ME}/notification-preferences"),
    ("PUT", f"{ME}/notification-preferences"),
    ("GET", f"{ME}/calendar-feed"),
    ("GET", f"{ME}/export"),  # the status; an API token never gets its download URL
    ("GET", f"{ME}/events"),
    ("GET", f"{ME}/events/stream"),
}
CLASSIFIED = ACCOUNT_CONTROL.keys() | SESSION_ONLY.keys() | NOT_ACCOUNT_CONTROL


def _operations(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        path = getattr(route, "path", None)
        for method in getattr(route, "methods", None) or ():
            if isinstance(path, str) and method not in {"HEAD", "OPTIONS"}:
                found.add((method, path))
    return found


def app_operations() -> set[tuple[str, str]]:
    """Every (method, path) the app routes, lazy routers included."""
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"), lazy_routes=False)
    app.openapi()  # includes every lazily imported router
    operations = _operations(flat_routes(app.routes))  # included routers' routes too
    assert (("GET", ME)) in operations, "the enumeration is broken"
    return operations


def test_every_users_me_route_is_classified() -> None:
    operations = app_operations()
    under_me = {(m, p) for m, p in operations if p == ME or p.startswith(ME + "/")}
    unclassified = under_me - CLASSIFIED
    assert not unclassified, f"account control or not? classify (and step-up): {unclassified}"
    missing = CLASSIFIED - operations
    assert not missing, f"routes of the lists that the app no longer has: {missing}"
    overlap = (
        (ACCOUNT_CONTROL.keys() & SESSION_ONLY.keys())
        | (ACCOUNT_CONTROL.keys() & NOT_ACCOUNT_CONTROL)
        | (SESSION_ONLY.keys() & NOT_ACCOUNT_CONTROL)
    )
    assert not overlap, f"routes in two lists: {overlap}"


def test_the_classification_notices_a_new_route() -> None:
    """The check above can fail: a route added under /users/me shows up unclassified."""
    from fastapi import APIRouter

    router = APIRouter()

    @router.post(f"{ME}/recovery-email")
    async def set_recovery_email() -> None:
        """A route that forgot step-up."""

    extra = _operations(list(router.routes)) - CLASSIFIED
    assert extra == {("POST", f"{ME}/recovery-email")}


def _url(route: str, target_id: str) -> str:
    return route.replace("{user_id}", target_id)


async def _send(
    client: httpx.AsyncClient,
    operation: tuple[str, str],
    target_id: str,
    headers: dict[str, str],
    extra: dict[str, Any] | None = None,
) -> httpx.Response:
    method, route = operation
    body = {**ACCOUNT_CONTROL[operation], **(extra or {})}
    return await client.request(method, _url(route, target_id), json=body, headers=headers)


async def _victim(client: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, Any], str]:
    """A signed-in administrator, one of their API tokens, and another user's id."""
    headers = await register_admin(client, "victim@example.com")
    token = await create_api_token(client, headers)
    target = await register(client, "bystander@example.com")
    return headers, token, str(target["id"])


async def test_account_control_without_proof_is_401_and_api_tokens_get_403(
    client: httpx.AsyncClient,
) -> None:
    headers, token, target_id = await _victim(client)
    for operation in ACCOUNT_CONTROL:
        missing = await _send(client, operation, target_id, headers)
        body = assert_unauthorized(missing)
        assert body["code"] == "reauth_required", (operation, body)
        assert "insufficient_user_authentication" in missing.headers["www-authenticate"]
        # even with the right password, an API token never controls the account
        via_token = await _send(client, operation, target_id, bearer(token["token"]), PROOF)
        assert assert_problem(via_token, 403)["code"] == "api_token_not_allowed", operation
    # a body the schema refuses still gets the 403 first: the token learns nothing
    refused = await client.post(f"{ME}/tokens", json={"unknown": 1}, headers=bearer(token["token"]))
    assert_problem(refused, 403)


async def test_session_only_routes_refuse_api_tokens_and_want_no_proof(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "session@example.com")
    headers = bearer((await login(client, "session@example.com"))["access_token"])
    token = await create_api_token(client, headers)
    feed = f"{ME}/calendar-feed"
    for (method, route), status in SESSION_ONLY.items():
        before = (await client.get(feed, headers=headers)).json()
        # even with the password in the body: a token is refused before the body is read
        via_token = await client.request(method, route, json=PROOF, headers=bearer(token["token"]))
        assert assert_problem(via_token, 403)["code"] == "api_token_not_allowed", route
        assert (await client.get(feed, headers=headers)).json() == before, route
        done = await client.request(method, route, headers=headers)
        assert done.status_code == status, (method, route, done.text)
        if "url" in (done.json() if done.content else {}):
            register_secret(done.json()["url"].rsplit("/", 1)[-1].removesuffix(".ics"))
    # the token still reads (not account control)
    read = await client.get(feed, headers=bearer(token["token"]))
    assert read.status_code == 200, read.text
    assert read.json()["active"] is False


async def _snapshot(client: httpx.AsyncClient) -> dict[str, Any]:
    """Every row of users, refresh tokens and API tokens, column by column."""
    database = app_of(client).state.database
    async with database.session() as session:
        tables: dict[str, Any] = {}
        for model in (User, RefreshToken, ApiToken):
            rows = (await session.execute(select(model).order_by(model.id))).scalars().all()
            columns = [c.key for c in model.__table__.columns]
            tables[model.__tablename__] = [{c: getattr(r, c) for c in columns} for r in rows]
    return tables


async def test_a_stolen_access_token_changes_nothing(client: httpx.AsyncClient) -> None:
    headers, token, target_id = await _victim(client)
    secret = await enable_totp(client, headers)
    # the API token's use is recorded once a minute: take it before the snapshot
    assert (await client.get(ME, headers=bearer(token["token"]))).is_success
    before = await _snapshot(client)
    assert any(u["totp_enabled"] for u in before[User.__tablename__])
    wrong_code = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    attempts: list[dict[str, Any] | None] = [
        None,
        {"current_password": "Wrong-guess-1234567"},
        {"totp_code": wrong_code},
    ]
    for operation in ACCOUNT_CONTROL:
        for proof in attempts:
            response = await _send(client, operation, target_id, headers, proof)
            assert response.status_code in (401, 429), (operation, response.text)
        via_token = await _send(client, operation, target_id, bearer(token["token"]), PROOF)
        assert via_token.status_code == 403, (operation, via_token.text)
    assert await _snapshot(client) == before


async def test_failed_proofs_lock_the_email_like_failed_sign_ins(
    client: httpx.AsyncClient,
) -> None:
    headers, _, _ = await _victim(client)
    for _ in range(5):
        guess = {"name": "t", "current_password": new_password()}
        refused = await client.post(f"{ME}/tokens", json=guess, headers=headers)
        assert assert_unauthorized(refused)["code"] == "reauth_invalid"
    right = await client.post(f"{ME}/tokens", json={"name": "t", **PROOF}, headers=headers)
    assert_problem(right, 429)
    assert "retry-after" in right.headers
    signin = await client.post(
        f"{API}/auth/login", json={"email": "victim@example.com", "password": PASSWORD}
    )
    assert_problem(signin, 429)
    listed = await client.get(f"{ME}/tokens", headers=headers)
    assert [t["name"] for t in listed.json()["items"]] == ["ci"]


async def test_a_totp_code_is_proof_once(client: httpx.AsyncClient) -> None:
    await register(client, "two@example.com")
    headers = bearer((await login(client, "two@example.com"))["access_token"])
    secret = await enable_totp(client, headers)
    code = totp_code(secret)
    made = await client.post(
        f"{ME}/tokens", json={"name": "by code", "totp_code": code}, headers=headers
    )
    assert made.status_code == 201, made.text
    again = await client.post(
        f"{ME}/tokens", json={"name": "replayed", "totp_code": code}, headers=headers
    )
    assert assert_unauthorized(again)["code"] == "reauth_invalid"


async def test_a_totp_code_is_no_proof_without_totp(client: httpx.AsyncClient) -> None:
    await register(client, "one@example.com")
    headers = bearer((await login(client, "one@example.com"))["access_token"])
    response = await client.request("DELETE", ME, json={"totp_code": "123456"}, headers=headers)
    assert assert_unauthorized(response)["code"] == "reauth_invalid"
    assert (await client.get(ME, headers=headers)).is_success


async def test_a_new_name_needs_no_proof_but_a_new_email_does(client: httpx.AsyncClient) -> None:
    await register(client, "name@example.com")
    headers = bearer((await login(client, "name@example.com"))["access_token"])
    renamed = await client.patch(ME, json={"name": "Renamed"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    moved = await client.patch(ME, json={"name": "X", "email": "new@example.com"}, headers=headers)
    assert assert_unauthorized(moved)["code"] == "reauth_required"
    me = (await client.get(ME, headers=headers)).json()
    assert (me["name"], me["email"]) == ("Renamed", "name@example.com")


@pytest.mark.parametrize("field", ["is_admin", "is_active"])
async def test_an_admin_changing_roles_or_access_needs_proof(
    client: httpx.AsyncClient, field: str
) -> None:
    admin = await register_admin(client, "boss@example.com")
    target = await register(client, "staff@example.com")
    url = f"{API}/users/{target['id']}"
    refused = await client.patch(url, json={field: not target[field]}, headers=admin)
    assert assert_unauthorized(refused)["code"] == "reauth_required"
    assert (await client.get(url, headers=admin)).json()[field] is target[field]
    done = await client.patch(url, json={field: not target[field], **PROOF}, headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()[field] is not target[field]
    # a rename only needs no proof
    assert (await client.patch(url, json={"name": "Staff"}, headers=admin)).status_code == 200
