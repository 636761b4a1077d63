"""Sign-in (docs/api.md): register, login, refresh rotation and reuse, logout, password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from smarttask.accounts.models import RefreshToken, User
from smarttask.db.types import utcnow
from tests.support.accounts import (
    API,
    PASSWORD,
    app_of,
    assert_no_secrets,
    assert_problem,
    assert_unauthorized,
    bearer,
    create_api_token,
    login,
    new_password,
    refresh,
    register,
    register_and_login,
)

# --- register -------------------------------------------------------------------------


async def test_register_answers_the_user_without_secrets(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada Lovelace"},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "ada@example.com"
    assert user["name"] == "Ada Lovelace"
    assert user["is_admin"] is False
    assert user["is_active"] is True
    assert user["totp_enabled"] is False
    assert user["id"]
    assert user["created_at"].endswith("Z")
    assert user["deleted_at"] is None
    assert_no_secrets(user)
    assert PASSWORD not in response.text


async def test_registered_user_can_sign_in_and_read_their_profile(
    client: httpx.AsyncClient,
) -> None:
    headers = await register_and_login(client, "grace@example.com")
    me = await client.get(f"{API}/users/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.com"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt-pw", "at least 10 characters"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
        ("Password123!", "too common"),
        ("alan@example.com", "email"),
        ("ALAN@EXAMPLE.COM", "email"),
    ],
)
async def test_weak_passwords_are_422_with_the_reason(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "alan@example.com", "password": password, "name": "Alan"},
    )
    body = assert_problem(response, 422)
    assert body["errors"], body
    assert all(error["loc"] == ["body", "password"] for error in body["errors"])
    assert any(reason in error["msg"] for error in body["errors"]), body
    assert password not in response.text  # the refused password is not echoed back
    # nothing was created: the email is still free
    await register(client, "alan@example.com")


async def test_email_taken_is_409_case_insensitively(client: httpx.AsyncClient) -> None:
    first = await register(client, "A.Person@Example.com")
    assert first["email"] == "a.person@example.com"  # stored normalised
    for email in ("a.person@example.com", "A.PERSON@EXAMPLE.COM", "  a.person@example.com "):
        response = await client.post(
            f"{API}/auth/register",
            json={"email": email.strip(), "password": new_password(), "name": "Other"},
        )
        assert_problem(response, 409)
    # and the normalised address signs in whatever case is typed
    await login(client, "A.PERSON@example.COM")


@pytest.mark.parametrize(
    "extra",
    [{"is_admin": True}, {"role": "admin"}, {"id": "00000000-0000-0000-0000-000000000001"}],
)
async def test_unknown_fields_on_register_are_422(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "eve@example.com", "password": PASSWORD, "name": "Eve", **extra},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["type"] == "extra_forbidden"
    await register(client, "eve@example.com")  # nothing was created by the refused call


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nul@example.com", "password": PASSWORD, "name": "N\u0000L"},
        {"email": "nul@example.com", "password": PASSWORD + "\u0000", "name": "Nul"},
        {"email": "nul\u0000@example.com", "password": PASSWORD, "name": "Nul"},
    ],
)
async def test_nul_bytes_on_register_are_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_problem(await client.post(f"{API}/auth/register", json=body), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "X"},
        {"email": "x@example.com", "password": PASSWORD, "name": ""},
        {"email": "x@example.com", "password": PASSWORD, "name": "n" * 201},
        {"email": "x@example.com", "password": PASSWORD},
        {"email": "x@example.com", "password": "p" * 2000, "name": "X"},
    ],
)
async def test_malformed_registrations_are_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_problem(await client.post(f"{API}/auth/register", json=body), 422)


# --- login ------------------------------------------------------------------------------


async def test_login_answers_a_bearer_token_pair(client: httpx.AsyncClient) -> None:
    await register(client, "pair@example.com")
    response = await client.post(
        f"{API}/auth/login", json={"email": "pair@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    pair = response.json()
    assert set(pair) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 15 * 60
    assert pair["access_token"] != pair["refresh_token"]
    bearer(pair["access_token"])
    bearer(pair["refresh_token"])
    assert response.headers["cache-control"] == "no-store"


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    await register(client, "known@example.com")
    wrong = await client.post(
        f"{API}/auth/login", json={"email": "known@example.com", "password": new_password()}
    )
    unknown = await client.post(
        f"{API}/auth/login", json={"email": "nobody@example.com", "password": new_password()}
    )
    first, second = assert_unauthorized(wrong), assert_unauthorized(unknown)
    first.pop("request_id")
    second.pop("request_id")
    assert first == second
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]


async def test_disabled_user_cannot_sign_in(client: httpx.AsyncClient) -> None:
    await register(client, "off@example.com")
    database = app_of(client).state.database
    async with database.session() as session:
        await session.execute(
            update(User).where(User.email == "off@example.com").values(is_active=False)
        )
        await session.commit()
    response = await client.post(
        f"{API}/auth/login", json={"email": "off@example.com", "password": PASSWORD}
    )
    body = assert_unauthorized(response)
    # Told only to whoever knows the password; a wrong one reads like any wrong one.
    assert body["code"] == "account_disabled"
    assert "disabled" in body["detail"]
    response = await client.post(
        f"{API}/auth/login", json={"email": "off@example.com", "password": PASSWORD + "x"}
    )
    assert assert_unauthorized(response)["detail"] == "The email or password is wrong."


@pytest.mark.parametrize(
    "body",
    [
        {"email": "x@example.com", "password": PASSWORD, "remember": True},
        {"email": "x@example.com"},
        {"email": "x\u0000@example.com", "password": PASSWORD},
    ],
)
async def test_malformed_login_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_problem(await client.post(f"{API}/auth/login", json=body), 422)


# --- refresh ----------------------------------------------------------------------------


async def test_refresh_rotates_and_the_old_token_stops_working(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "rot@example.com")
    pair = await login(client, "rot@example.com")
    renewed = await refresh(client, pair["refresh_token"])
    assert renewed.status_code == 200
    new_pair = renewed.json()
    assert new_pair["token_type"] == "bearer"
    assert new_pair["refresh_token"] != pair["refresh_token"]
    me = await client.get(f"{API}/users/me", headers=bearer(new_pair["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "rot@example.com"
    assert_unauthorized(await refresh(client, pair["refresh_token"]))


async def test_reused_refresh_token_revokes_the_whole_login(client: httpx.AsyncClient) -> None:
    await register(client, "theft@example.com")
    stolen = await login(client, "theft@example.com")
    other_login = await login(client, "theft@example.com")
    legit = (await refresh(client, stolen["refresh_token"])).json()
    newest = (await refresh(client, legit["refresh_token"])).json()
    # the thief presents the original (already used) token
    reused = await refresh(client, stolen["refresh_token"])
    body = assert_unauthorized(reused)
    assert "already used" in body["detail"]
    # the revocation was committed despite the 401: the newest token of that login fails too
    assert_unauthorized(await refresh(client, newest["refresh_token"]))
    # and its access token no longer works
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(newest["access_token"])))
    # another login of the same user is not affected
    assert (await refresh(client, other_login["refresh_token"])).status_code == 200


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await refresh(client, "not-a-real-refresh-token"))
    assert_problem(await client.post(f"{API}/auth/refresh", json={"refresh_token": ""}), 422)


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    await register(client, "kinds@example.com")
    pair = await login(client, "kinds@example.com")
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(pair["refresh_token"])))
    # nor the other way round
    assert_unauthorized(await refresh(client, pair["access_token"]))


async def test_refresh_has_an_absolute_expiry(client: httpx.AsyncClient) -> None:
    await register(client, "abs@example.com")
    pair = await login(client, "abs@example.com")
    renewed = (await refresh(client, pair["refresh_token"])).json()
    database = app_of(client).state.database
    async with database.session() as session:
        rows = (await session.execute(select(RefreshToken))).scalars().all()
        assert len({row.expires_at for row in rows}) == 1  # rotation keeps the login's expiry
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert_unauthorized(await refresh(client, renewed["refresh_token"]))
    # an expired token stays unusable; the account can sign in again
    assert_unauthorized(await refresh(client, renewed["refresh_token"]))
    await login(client, "abs@example.com")


async def test_refresh_of_a_disabled_user_is_401(client: httpx.AsyncClient) -> None:
    await register(client, "gone@example.com")
    pair = await login(client, "gone@example.com")
    database = app_of(client).state.database
    async with database.session() as session:
        await session.execute(update(User).values(is_active=False))
        await session.commit()
    assert_unauthorized(await refresh(client, pair["refresh_token"]))


# --- logout -----------------------------------------------------------------------------


async def test_logout_revokes_that_login_only(client: httpx.AsyncClient) -> None:
    await register(client, "bye@example.com")
    leaving = await login(client, "bye@example.com")
    staying = await login(client, "bye@example.com")
    response = await client.post(
        f"{API}/auth/logout", json={"refresh_token": leaving["refresh_token"]}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert_unauthorized(await refresh(client, leaving["refresh_token"]))
    assert_unauthorized(
        await client.get(f"{API}/users/me", headers=bearer(leaving["access_token"]))
    )
    assert (await refresh(client, staying["refresh_token"])).status_code == 200
    # logging out with an unknown or already revoked token is harmless
    again = await client.post(
        f"{API}/auth/logout", json={"refresh_token": leaving["refresh_token"]}
    )
    assert again.status_code == 204


# --- password change --------------------------------------------------------------------


async def test_password_change_revokes_every_login_and_api_token(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "pw@example.com")
    first = await login(client, "pw@example.com")
    second = await login(client, "pw@example.com")
    tokens = [await create_api_token(client, bearer(first["access_token"]), n) for n in "ab"]
    for token in tokens:
        assert (await client.get(f"{API}/users/me", headers=bearer(token["token"]))).is_success
    new = new_password()
    response = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=bearer(first["access_token"]),
    )
    assert response.status_code == 204, response.text
    assert response.headers["x-revoked-sessions"] == "2"
    assert response.headers["x-revoked-api-tokens"] == "2"
    for pair in (first, second):
        assert_unauthorized(await refresh(client, pair["refresh_token"]))
        assert_unauthorized(
            await client.get(f"{API}/users/me", headers=bearer(pair["access_token"]))
        )
    # every API token made before the change is refused, on reads and on writes
    for token in tokens:
        headers = bearer(token["token"])
        assert_unauthorized(await client.get(f"{API}/users/me", headers=headers))
        assert_unauthorized(
            await client.post(f"{API}/workspaces", json={"name": "after"}, headers=headers)
        )
    old = await client.post(
        f"{API}/auth/login", json={"email": "pw@example.com", "password": PASSWORD}
    )
    assert_unauthorized(old)
    await login(client, "pw@example.com", new)


async def test_password_change_checks_the_current_one_and_the_policy(
    client: httpx.AsyncClient,
) -> None:
    headers = await register_and_login(client, "pol@example.com")
    wrong = await client.post(
        f"{API}/users/me/password",
        json={"current_password": new_password(), "new_password": new_password()},
        headers=headers,
    )
    assert assert_unauthorized(wrong)["code"] == "reauth_invalid"
    missing = await client.post(
        f"{API}/users/me/password", json={"new_password": new_password()}, headers=headers
    )
    assert assert_unauthorized(missing)["code"] == "reauth_required"
    weak = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers=headers,
    )
    assert assert_problem(weak, 422)["errors"][0]["loc"] == ["body", "new_password"]
    await login(client, "pol@example.com")  # the password did not change
    anonymous = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": new_password()},
    )
    assert_unauthorized(anonymous)
