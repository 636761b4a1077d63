"""Users (docs/api.md): the caller's profile, erasure, and the administrators' users API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    assert_no_secrets,
    assert_problem,
    assert_unauthorized,
    bearer,
    create_api_token,
    login,
    refresh,
    register,
    register_admin,
    register_and_login,
)

# --- /users/me --------------------------------------------------------------------------


async def test_read_me(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "me@example.com")
    response = await client.get(f"{API}/users/me", headers=headers)
    assert response.status_code == 200
    me = response.json()
    assert me["email"] == "me@example.com"
    assert set(me) >= {"id", "email", "name", "is_admin", "is_active", "created_at"}
    assert_no_secrets(me)
    assert response.headers["cache-control"] == "no-store"


async def test_update_me_name_and_email(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "old@example.com")
    response = await client.patch(
        f"{API}/users/me",
        json={"name": "  New Name ", "email": "New@Example.com", **PROOF},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "New Name"
    assert response.json()["email"] == "new@example.com"
    assert_no_secrets(response.json())
    # the new email signs in, the old one no longer exists
    await login(client, "new@example.com")
    old = await client.post(
        f"{API}/auth/login", json={"email": "old@example.com", "password": PASSWORD}
    )
    assert_unauthorized(old)
    # a partial update leaves the rest alone
    renamed = await client.patch(f"{API}/users/me", json={"name": "Only"}, headers=headers)
    assert renamed.json() == {**response.json(), "name": "Only", "updated_at": ANY_STR}


class _AnyStr:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)


ANY_STR: Any = _AnyStr()


async def test_update_me_to_a_taken_email_is_409(client: httpx.AsyncClient) -> None:
    await register(client, "taken@example.com")
    headers = await register_and_login(client, "mine@example.com")
    response = await client.patch(
        f"{API}/users/me", json={"email": "TAKEN@example.com", **PROOF}, headers=headers
    )
    assert_problem(response, 409)
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["email"] == (
        "mine@example.com"
    )
    # setting one's own email again is not a conflict
    same = await client.patch(
        f"{API}/users/me", json={"email": "Mine@example.com", **PROOF}, headers=headers
    )
    assert same.status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"email": "not-an-email"}, {"name": ""}, {"name": "x" * 201}, {"name": "a\u0000"}],
)
async def test_update_me_validates(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    headers = await register_and_login(client, "val@example.com")
    assert_problem(await client.patch(f"{API}/users/me", json=body, headers=headers), 422)


async def test_users_me_requires_authentication(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.get(f"{API}/users/me"))
    assert_unauthorized(await client.patch(f"{API}/users/me", json={"name": "x"}))
    assert_unauthorized(await client.delete(f"{API}/users/me"))


async def test_delete_me_erases_disables_and_revokes(client: httpx.AsyncClient) -> None:
    await register(client, "erase@example.com", name="Erase Me")
    pair = await login(client, "erase@example.com")
    headers = bearer(pair["access_token"])
    api_token = await create_api_token(client, headers)
    response = await client.request("DELETE", f"{API}/users/me", json=PROOF, headers=headers)
    assert response.status_code == 204
    # every credential is dead
    assert_unauthorized(await client.get(f"{API}/users/me", headers=headers))
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(api_token["token"])))
    assert_unauthorized(await refresh(client, pair["refresh_token"]))
    login_again = await client.post(
        f"{API}/auth/login", json={"email": "erase@example.com", "password": PASSWORD}
    )
    assert_unauthorized(login_again)
    # the email is free again: the personal data is gone
    fresh = await register(client, "erase@example.com")
    assert fresh["name"] == "Test User"


async def test_erased_user_as_an_admin_sees_it(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    user = await register(client, "leaver@example.com", name="Leaver Person")
    user_headers = bearer((await login(client, "leaver@example.com"))["access_token"])
    assert (
        await client.request("DELETE", f"{API}/users/me", json=PROOF, headers=user_headers)
    ).status_code == 204
    seen = (await client.get(f"{API}/users/{user['id']}", headers=admin)).json()
    assert seen["email"] is None
    assert "Leaver" not in seen["name"]
    assert seen["is_active"] is False
    assert seen["deleted_at"] is not None
    assert_no_secrets(seen)


# --- admin users API ---------------------------------------------------------------------


async def test_non_admins_get_403_on_the_users_api(client: httpx.AsyncClient) -> None:
    other = await register(client, "other@example.com")
    headers = await register_and_login(client, "plain@example.com")
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    for user_id in (other["id"], me["id"], "00000000-0000-0000-0000-000000000000"):
        assert_problem(await client.get(f"{API}/users/{user_id}", headers=headers), 403)
        assert_problem(
            await client.patch(f"{API}/users/{user_id}", json={"is_admin": True}, headers=headers),
            403,
        )
        assert_problem(await client.delete(f"{API}/users/{user_id}", headers=headers), 403)
    assert_problem(await client.get(f"{API}/users", headers=headers), 403)
    # nothing changed: still not an admin, the other user still active
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["is_admin"] is False
    await login(client, "other@example.com")
    # anonymous callers get 401, not 403
    assert_unauthorized(await client.get(f"{API}/users"))
    assert_unauthorized(await client.get(f"{API}/users/{other['id']}"))


async def test_admin_lists_users_page_by_page(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    for index in range(4):
        await register(client, f"u{index}@example.com")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{API}/users", params=params, headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        for item in page["items"]:
            assert_no_secrets(item)
        seen += [item["email"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["admin@example.com"] + [f"u{i}@example.com" for i in range(4)])
    assert len(seen) == len(set(seen))
    assert pages == 3
    default = (await client.get(f"{API}/users", headers=admin)).json()
    assert len(default["items"]) == 5
    assert default["next_cursor"] is None


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "garbage!!"}]
)
async def test_admin_list_validates_paging(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    admin = await register_admin(client, "admin@example.com")
    assert_problem(await client.get(f"{API}/users", params=params, headers=admin), 422)


async def test_admin_reads_a_user_and_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    user = await register(client, "someone@example.com")
    read = await client.get(f"{API}/users/{user['id']}", headers=admin)
    assert read.status_code == 200
    assert read.json() == user
    for unknown in ("00000000-0000-0000-0000-000000000000", "nope"):
        assert_problem(await client.get(f"{API}/users/{unknown}", headers=admin), 404)
        assert_problem(
            await client.patch(f"{API}/users/{unknown}", json={"name": "x"}, headers=admin), 404
        )
        assert_problem(
            await client.request("DELETE", f"{API}/users/{unknown}", json=PROOF, headers=admin), 404
        )


async def test_admin_disables_and_re_enables_a_user(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    user = await register(client, "worker@example.com")
    pair = await login(client, "worker@example.com")
    user_headers = bearer(pair["access_token"])
    api_token = await create_api_token(client, user_headers)

    disabled = await client.patch(
        f"{API}/users/{user['id']}", json={"is_active": False, **PROOF}, headers=admin
    )
    assert disabled.status_code == 200
    assert disabled.json()["is_active"] is False
    assert_unauthorized(await client.get(f"{API}/users/me", headers=user_headers))
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(api_token["token"])))
    assert_unauthorized(await refresh(client, pair["refresh_token"]))
    assert_unauthorized(
        await client.post(
            f"{API}/auth/login", json={"email": "worker@example.com", "password": PASSWORD}
        )
    )

    enabled = await client.patch(
        f"{API}/users/{user['id']}", json={"is_active": True, **PROOF}, headers=admin
    )
    assert enabled.json()["is_active"] is True
    again = await login(client, "worker@example.com")
    assert (await client.get(f"{API}/users/me", headers=bearer(again["access_token"]))).is_success
    # the tokens revoked by disabling stay revoked
    assert_unauthorized(await client.get(f"{API}/users/me", headers=bearer(api_token["token"])))


async def test_admin_promotes_and_renames(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    user = await register(client, "promo@example.com")
    response = await client.patch(
        f"{API}/users/{user['id']}",
        json={"is_admin": True, "name": "Deputy", **PROOF},
        headers=admin,
    )
    assert response.json()["is_admin"] is True
    assert response.json()["name"] == "Deputy"
    deputy = bearer((await login(client, "promo@example.com"))["access_token"])
    assert (await client.get(f"{API}/users", headers=deputy)).status_code == 200


async def test_admin_cannot_lock_themselves_out(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    me = (await client.get(f"{API}/users/me", headers=admin)).json()
    for body in ({"is_admin": False}, {"is_active": False}):
        assert_problem(
            await client.patch(f"{API}/users/{me['id']}", json={**body, **PROOF}, headers=admin),
            403,
        )
    assert_problem(
        await client.request("DELETE", f"{API}/users/{me['id']}", json=PROOF, headers=admin), 403
    )
    assert (await client.get(f"{API}/users", headers=admin)).status_code == 200


async def test_admin_deletes_a_user(client: httpx.AsyncClient) -> None:
    admin = await register_admin(client, "admin@example.com")
    user = await register(client, "doomed@example.com", name="Doomed Person")
    user_headers = bearer((await login(client, "doomed@example.com"))["access_token"])
    assert (
        await client.request("DELETE", f"{API}/users/{user['id']}", json=PROOF, headers=admin)
    ).status_code == 204
    assert_unauthorized(await client.get(f"{API}/users/me", headers=user_headers))
    gone = (await client.get(f"{API}/users/{user['id']}", headers=admin)).json()
    assert gone["email"] is None
    assert gone["is_active"] is False
    assert gone["deleted_at"]
    assert "Doomed" not in gone["name"]
    # an erased user cannot be brought back
    assert_problem(
        await client.patch(
            f"{API}/users/{user['id']}", json={"is_active": True, **PROOF}, headers=admin
        ),
        409,
    )
