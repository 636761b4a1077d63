"""Password strength: long-enough but trivially guessable passwords are refused (zxcvbn,
score 3 or more, with the user's own name and email as words a guesser tries first)."""

from __future__ import annotations

import httpx
import pytest

from smarttask.demo import DEMO_PASSWORD
from tests.support.accounts import (
    API,
    PASSWORD,
    assert_problem,
    login,
    new_password,
    register,
    register_and_login,
)
from tests.support.workspaces import PASSWORD as WORKSPACE_PASSWORD

# Long enough and in no list of common passwords, yet guessed in seconds.
GUESSABLE = [
    "aaaaaaaaaa",  # a repeat
    "abcdefghij",  # a sequence
    "zyxwvutsrq",
    "abcabcabcabc",
    "asdfghjklasdf",  # a keyboard pattern
    "z" * 80,  # long, and still one repeat
]
# Hard to guess for anyone else; the first guesses for this user, whose name and email
# zxcvbn is given (with separators between the words or not).
PERSONAL = ["Margarethe Quixwood", "quixwood-margarethe", "Quixwood.Margarethe!"]


def _assert_too_easy(response: httpx.Response, field: str) -> None:
    body = assert_problem(response, 422)
    assert [error["loc"] for error in body["errors"]] == [["body", field]], body
    assert body["errors"][0]["type"] == "password_policy"
    assert "too easy to guess" in body["errors"][0]["msg"]
    assert "too easy to guess" in body["detail"]


@pytest.mark.parametrize("password", GUESSABLE + PERSONAL)
async def test_register_refuses_guessable_passwords(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={
            "email": "margarethe.quixwood@example.com",
            "password": password,
            "name": "Margarethe Quixwood",
        },
    )
    _assert_too_easy(response, "password")
    assert password not in response.text
    # nothing was created: the email is still free
    await register(client, "margarethe.quixwood@example.com", name="Margarethe Quixwood")


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "abcdefghij", "Test User Test User", "test-user-example"]
)
async def test_password_change_refuses_guessable_passwords(
    client: httpx.AsyncClient, password: str
) -> None:
    headers = await register_and_login(client, "changer@example.com")  # named "Test User"
    response = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": password},
        headers=headers,
    )
    _assert_too_easy(response, "new_password")
    await login(client, "changer@example.com")  # the password did not change


@pytest.mark.parametrize(
    "password",
    [PASSWORD, new_password(), WORKSPACE_PASSWORD, DEMO_PASSWORD, "correct horse battery staple"],
    # new_password() is random: ids that every pytest-xdist worker collects alike.
    ids=["test-password", "new-password", "workspace-password", "demo-password", "phrase"],
)
async def test_the_passwords_the_project_uses_pass(
    client: httpx.AsyncClient, password: str
) -> None:
    await register(client, "fine@example.com", password)
    await login(client, "fine@example.com", password)
