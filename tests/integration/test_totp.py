"""TOTP (docs/api.md, Users): set-up, sign-in with a code, replay refusal, removal."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pyotp

from tests.support.accounts import (
    API,
    PASSWORD,
    PROOF,
    assert_problem,
    assert_unauthorized,
    enable_totp,
    login,
    register_and_login,
    totp_code,
)
from tests.support.log_scan import register_secret


async def _login(client: httpx.AsyncClient, email: str, code: str | None) -> httpx.Response:
    body = {"email": email, "password": PASSWORD} | ({"totp_code": code} if code else {})
    response = await client.post(f"{API}/auth/login", json=body)
    if response.status_code == 200:
        register_secret(response.json()["access_token"])
        register_secret(response.json()["refresh_token"])
    return response


async def test_start_answers_a_secret_and_an_otpauth_uri(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "scan@example.com")
    response = await client.post(f"{API}/users/me/totp", json=PROOF, headers=headers)
    assert response.status_code == 200
    setup = response.json()
    register_secret(setup["secret"])
    uri = urlparse(setup["otpauth_uri"])
    assert uri.scheme == "otpauth"
    assert uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [setup["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["smarttask"]
    assert "scan%40example.com" in uri.path or "scan@example.com" in uri.path
    assert pyotp.parse_uri(setup["otpauth_uri"]).secret == setup["secret"]
    # not active until confirmed: sign-in still needs no code
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["totp_enabled"] is False
    await login(client, "scan@example.com")


async def test_confirm_refuses_a_wrong_code(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "wrong@example.com")
    setup = (await client.post(f"{API}/users/me/totp", json=PROOF, headers=headers)).json()
    register_secret(setup["secret"])
    good = totp_code(setup["secret"])
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = await client.post(
        f"{API}/users/me/totp/confirm", json={"code": bad, **PROOF}, headers=headers
    )
    assert_problem(response, 422)
    for malformed in ("12345", "abcdef", "1234567"):
        response = await client.post(
            f"{API}/users/me/totp/confirm", json={"code": malformed, **PROOF}, headers=headers
        )
        assert_problem(response, 422)
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["totp_enabled"] is False


async def test_sign_in_with_totp(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "two@example.com")
    secret = await enable_totp(client, headers)
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["totp_enabled"] is True

    missing = await _login(client, "two@example.com", None)
    assert assert_unauthorized(missing)["code"] == "totp_required"

    good = totp_code(secret)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    wrong = await _login(client, "two@example.com", bad)
    assert assert_unauthorized(wrong)["code"] == "totp_invalid"

    right = await _login(client, "two@example.com", good)
    assert right.status_code == 200, right.text
    assert right.json()["token_type"] == "bearer"

    # the same code a second time is refused (a code is accepted once)
    replay = await _login(client, "two@example.com", good)
    assert assert_unauthorized(replay)["code"] == "totp_invalid"
    # and so is the code used to confirm the set-up, which is older
    older = await _login(client, "two@example.com", totp_code(secret, -1))
    assert assert_unauthorized(older)["code"] == "totp_invalid"

    # the next step's code is still fresh
    following = await _login(client, "two@example.com", totp_code(secret, 1))
    assert following.status_code == 200, following.text


async def test_totp_does_not_help_a_wrong_password(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "pwfirst@example.com")
    secret = await enable_totp(client, headers)
    response = await client.post(
        f"{API}/auth/login",
        json={"email": "pwfirst@example.com", "password": "Wrong-pass-123x", "totp_code": "0"},
    )
    body = assert_unauthorized(response)
    assert "code" not in body  # a wrong password does not reveal that TOTP is on
    # the code of the current step was not spent by the failed attempt
    assert (await _login(client, "pwfirst@example.com", totp_code(secret))).status_code == 200


async def test_wrong_totp_codes_count_towards_the_lockout(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "brute@example.com")
    secret = await enable_totp(client, headers)
    good = totp_code(secret)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = await _login(client, "brute@example.com", bad)
        assert assert_unauthorized(response)["code"] == "totp_invalid"
    locked = await _login(client, "brute@example.com", good)
    assert_problem(locked, 429)


async def test_remove_totp_with_a_code(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "off@example.com")
    secret = await enable_totp(client, headers)
    good = totp_code(secret)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    refused = await client.request(
        "DELETE", f"{API}/users/me/totp", json={"code": bad}, headers=headers
    )
    assert assert_unauthorized(refused)["code"] == "reauth_invalid"
    removed = await client.request(
        "DELETE", f"{API}/users/me/totp", json={"code": good}, headers=headers
    )
    assert removed.status_code == 204, removed.text
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["totp_enabled"] is False
    await login(client, "off@example.com")  # no code needed any more
    # removing again: it is not on
    again = await client.request("DELETE", f"{API}/users/me/totp", json=PROOF, headers=headers)
    assert_problem(again, 409)


async def test_start_while_enabled_is_409_and_keeps_the_secret(
    client: httpx.AsyncClient,
) -> None:
    headers = await register_and_login(client, "keep@example.com")
    secret = await enable_totp(client, headers)
    assert_problem(await client.post(f"{API}/users/me/totp", json=PROOF, headers=headers), 409)
    assert (await _login(client, "keep@example.com", totp_code(secret))).status_code == 200


async def test_confirm_without_start_is_409(client: httpx.AsyncClient) -> None:
    headers = await register_and_login(client, "nostart@example.com")
    response = await client.post(
        f"{API}/users/me/totp/confirm", json={"code": "123456", **PROOF}, headers=headers
    )
    assert_problem(response, 409)
