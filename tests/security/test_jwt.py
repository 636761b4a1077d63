"""Access-token tampering and key rotation: every forgery is a 401 with WWW-Authenticate."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from smarttask.accounts.tokens import key_id
from tests.support import TEST_SECRET_KEY
from tests.support.accounts import (
    API,
    PROOF,
    app_of,
    assert_unauthorized,
    bearer,
    login,
    register,
)
from tests.support.log_scan import register_secret

KEY = TEST_SECRET_KEY  # the test apps' signing key
# The fixed key development used to sign with before keys were generated (keyfile.py).
RETIRED_DEVELOPMENT_KEY = "development-only-secret-key-change-me"
OLD_KEY = "old-signing-key-0123456789-abcdefghijklmnop"
NEW_KEY = "new-signing-key-9876543210-zyxwvutsrqponmlk"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


async def _signed_in(client: httpx.AsyncClient) -> dict[str, Any]:
    await register(client, "jwt@example.com")
    pair = await login(client, "jwt@example.com")
    assert (await client.get(f"{API}/users/me", headers=bearer(pair["access_token"]))).is_success
    return {**_segment(pair["access_token"], 1), "_token": pair["access_token"]}


def _forge(claims: dict[str, Any], *, key: str = KEY, **headers: Any) -> str:
    claims = {k: v for k, v in claims.items() if not k.startswith("_")}
    header = {"kid": key_id(KEY), **headers}
    token = jwt.encode(claims, key, algorithm="HS256", headers=header)
    register_secret(token)
    return token


async def _assert_refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    body = assert_unauthorized(response)
    assert "jwt@example.com" not in response.text
    assert body["detail"]


async def test_a_valid_forgery_baseline_is_accepted(client: httpx.AsyncClient) -> None:
    """The forging helper itself makes tokens the app accepts: the refusals below are real."""
    claims = await _signed_in(client)
    token = _forge({**claims, "jti": "baseline"})
    assert (await client.get(f"{API}/users/me", headers=bearer(token))).status_code == 200


async def test_alg_none_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    payload = {k: v for k, v in claims.items() if not k.startswith("_")}
    header = {"alg": "none", "typ": "JWT", "kid": key_id(KEY)}
    for signature in ("", "e30"):
        token = ".".join(
            [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), signature]
        )
        await _assert_refused(client, token)


async def test_wrong_key_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    await _assert_refused(client, _forge(claims, key="some-other-key-of-sufficient-length-1"))


async def test_modified_payload_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    header, _, signature = claims["_token"].split(".")
    tampered = {k: v for k, v in claims.items() if not k.startswith("_")}
    tampered["sub"] = "00000000-0000-0000-0000-000000000000"
    tampered["exp"] = claims["exp"] + 3600
    payload = _b64(json.dumps(tampered).encode())
    await _assert_refused(client, f"{header}.{payload}.{signature}")


async def test_hs256_signed_with_an_rs_public_key_shape_is_refused(
    client: httpx.AsyncClient,
) -> None:
    claims = await _signed_in(client)
    # the classic algorithm-confusion shape: an asymmetric alg in the header
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id(KEY)}
    payload = {k: v for k, v in claims.items() if not k.startswith("_")}
    token = ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), "x"])
    await _assert_refused(client, token)


async def test_expired_token_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    now = int(time.time())
    await _assert_refused(client, _forge({**claims, "iat": now - 3600, "exp": now - 60}))


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "someone-else"},
        {"iss": "evil-issuer"},
        {"typ": "refresh"},
        {"typ": None},
        {"sid": None},
        {"sub": None},
        {"exp": None},
    ],
    ids=["audience", "issuer", "typ-refresh", "typ-missing", "sid-missing", "sub-missing", "exp"],
)
async def test_wrong_or_missing_claims_are_refused(
    client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    claims = await _signed_in(client)
    changed = {**claims, **change}
    await _assert_refused(client, _forge({k: v for k, v in changed.items() if v is not None}))


async def test_unknown_or_missing_kid_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    await _assert_refused(client, _forge(claims, kid="0123456789ab"))
    token = jwt.encode(
        {k: v for k, v in claims.items() if not k.startswith("_")}, KEY, algorithm="HS256"
    )
    await _assert_refused(client, token)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Bearer a.b", "Token abc"],
)
async def test_malformed_authorization_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get(f"{API}/users/me", headers={"Authorization": authorization})
    assert_unauthorized(response)


async def test_missing_token_is_401_with_plain_bearer_challenge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/users/me")
    assert_unauthorized(response)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_of_a_deleted_user_is_refused(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    erased = await client.request(
        "DELETE", f"{API}/users/me", json=PROOF, headers=bearer(claims["_token"])
    )
    assert erased.status_code == 204, erased.text
    await _assert_refused(client, claims["_token"])


async def test_key_rotation_old_tokens_still_verify(client_with: Any) -> None:
    register_secret(OLD_KEY)
    register_secret(NEW_KEY)
    before = await client_with(secret_key=OLD_KEY)
    await register(before, "rotate@example.com")
    old_pair = await login(before, "rotate@example.com")
    assert _segment(old_pair["access_token"], 0)["kid"] == key_id(OLD_KEY)

    after = await client_with(secret_key=NEW_KEY, previous_secret_keys=OLD_KEY)
    still = await after.get(f"{API}/users/me", headers=bearer(old_pair["access_token"]))
    assert still.status_code == 200, still.text
    new_pair = await login(after, "rotate@example.com")
    header = _segment(new_pair["access_token"], 0)
    assert header["kid"] == key_id(NEW_KEY)
    assert header["alg"] == "HS256"
    assert (await after.get(f"{API}/users/me", headers=bearer(new_pair["access_token"]))).is_success

    # once the old key is retired, its tokens stop working
    retired = await client_with(secret_key=NEW_KEY)
    assert_unauthorized(
        await retired.get(f"{API}/users/me", headers=bearer(old_pair["access_token"]))
    )
    # an app that never had the new key refuses the new tokens
    assert_unauthorized(
        await before.get(f"{API}/users/me", headers=bearer(new_pair["access_token"]))
    )


async def test_a_key_id_does_not_reveal_the_key(client: httpx.AsyncClient) -> None:
    claims = await _signed_in(client)
    header = _segment(claims["_token"], 0)
    assert header["kid"] not in KEY
    assert KEY not in json.dumps(header)


async def test_the_retired_development_key_signs_nothing(client_with: Any, tmp_path: Any) -> None:
    """A token made with the fixed key development once shipped with is refused."""
    client = await client_with(secret_key="", data_dir=str(tmp_path))
    app = app_of(client)
    assert app.state.settings.secret_key_generated
    await register(client, "jwt@example.com")
    pair = await login(client, "jwt@example.com")
    claims = _segment(pair["access_token"], 1)
    assert (await client.get(f"{API}/users/me", headers=bearer(pair["access_token"]))).is_success
    for kid in (key_id(RETIRED_DEVELOPMENT_KEY), _segment(pair["access_token"], 0)["kid"]):
        forged = jwt.encode(
            claims, RETIRED_DEVELOPMENT_KEY, algorithm="HS256", headers={"kid": kid}
        )
        register_secret(forged)
        assert_unauthorized(
            await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {forged}"})
        )
