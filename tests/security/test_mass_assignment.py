"""Mass assignment: no write to an accounts endpoint can set a field the caller may not set."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    API,
    PASSWORD,
    assert_problem,
    register,
    register_admin,
    register_and_login,
)

PRIVILEGED = [
    {"is_admin": True},
    {"is_active": False},
    {"role": "admin"},
    {"id": "00000000-0000-0000-0000-000000000001"},
    {"password_hash": "$argon2id$v=19$m=19456,t=2,p=1$forged"},
    {"totp_enabled": True},
    {"totp_secret": "JBSWY3DPEHPK3PXP"},
    {"email_verified": True},
    {"deleted_at": None},
]


@pytest.mark.parametrize("extra", PRIVILEGED, ids=lambda e: next(iter(e)))
async def test_register_refuses_privileged_fields(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "mass@example.com", "password": PASSWORD, "name": "M", **extra},
    )
    body = assert_problem(response, 422)
    assert [e["type"] for e in body["errors"]] == ["extra_forbidden"]
    assert body["errors"][0]["loc"] == ["body", next(iter(extra))]


@pytest.mark.parametrize("extra", PRIVILEGED, ids=lambda e: next(iter(e)))
async def test_profile_update_refuses_privileged_fields(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    headers = await register_and_login(client, "self@example.com")
    response = await client.patch(f"{API}/users/me", json={"name": "X", **extra}, headers=headers)
    assert_problem(response, 422)
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    assert me["name"] == "Test User"
    assert me["is_admin"] is False
    assert me["is_active"] is True
    assert me["totp_enabled"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/login", {"email": "a@example.com", "password": PASSWORD, "is_admin": True}),
        ("/auth/refresh", {"refresh_token": "x" * 20, "family_id": "y"}),
        ("/auth/logout", {"refresh_token": "x" * 20, "all": True}),
        ("/users/me/password", {"current_password": "a", "new_password": "b", "user_id": "x"}),
        ("/users/me/totp/confirm", {"code": "123456", "secret": "JBSWY3DPEHPK3PXP"}),
        ("/users/me/tokens", {"name": "t", "token": "stk_chosen_by_me", "user_id": "x"}),
        ("/users/me/tokens", {"name": "t", "token_hash": "0" * 64}),
    ],
)
async def test_other_writes_refuse_unknown_fields(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    headers = await register_and_login(client, "writes@example.com")
    response = await client.post(f"{API}{path}", json=body, headers=headers)
    assert "extra_forbidden" in {e["type"] for e in assert_problem(response, 422)["errors"]}


async def test_admin_update_refuses_fields_beyond_its_own(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "root@example.com")
    user = await register(client, "target@example.com")
    for extra in ({"email": "steal@example.com"}, {"password_hash": "x"}, {"totp_enabled": False}):
        response = await client.patch(f"{API}/users/{user['id']}", json=extra, headers=admin)
        assert_problem(response, 422)
    read = (await client.get(f"{API}/users/{user['id']}", headers=admin)).json()
    assert read["email"] == "target@example.com"
