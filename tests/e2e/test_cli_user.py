"""`smarttask user create` through the real command line, then that admin uses the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from smarttask.app import create_app
from tests.support import make_settings
from tests.support.accounts import API, bearer, login, new_password, register
from tests.support.log_scan import SCANNER

SMARTTASK = [sys.executable, "-m", "smarttask.entrypoints.cli"]


def _run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMARTTASK_DATABASE_URL": database_url, "SMARTTASK_LOG_LEVEL": "INFO"}
    result = subprocess.run(
        [*SMARTTASK, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )
    leaks = SCANNER.scan(
        [*result.stdout.splitlines(), *result.stderr.splitlines()], source=" ".join(args[:2])
    )
    assert leaks == [], [leak.describe() for leak in leaks]
    return result


async def test_created_admin_signs_in_and_lists_users(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    assert _run(["migrate"], url, tmp_path).returncode == 0
    password = new_password()
    created = _run(
        [
            "user", "create", "--email", "Root@Example.com", "--password", password,
            "--name", "Root", "--admin",
        ],
        url,
        tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "administrator" in created.stdout
    assert password not in created.stdout + created.stderr

    app = create_app(make_settings(url))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.50", 1))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await register(client, "plain@example.com")
            headers = bearer((await login(client, "root@example.com", password))["access_token"])
            me = (await client.get(f"{API}/users/me", headers=headers)).json()
            assert me["is_admin"] is True
            assert me["name"] == "Root"
            assert me["email"] == "root@example.com"
            users = await client.get(f"{API}/users", headers=headers)
            assert users.status_code == 200
            emails = {user["email"] for user in users.json()["items"]}
            assert emails == {"root@example.com", "plain@example.com"}
    finally:
        await app.state.database.dispose()

    # the same email cannot be created twice, whatever its case
    again = _run(
        ["user", "create", "--email", "ROOT@example.com", "--password", new_password()],
        url,
        tmp_path,
    )
    assert again.returncode != 0
    assert "already exists" in again.stderr


def test_weak_password_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/weak.db"
    assert _run(["migrate"], url, tmp_path).returncode == 0
    for password, reason in (("short", "at least 10"), ("password123", "too common")):
        result = _run(
            ["user", "create", "--email", "weak@example.com", "--password", password], url, tmp_path
        )
        assert result.returncode != 0
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
    ok = _run(
        ["user", "create", "--email", "weak@example.com", "--password", new_password()],
        url,
        tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "created user" in ok.stdout


def test_invalid_email_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/email.db"
    assert _run(["migrate"], url, tmp_path).returncode == 0
    result = _run(
        ["user", "create", "--email", "not-an-email", "--password", new_password()], url, tmp_path
    )
    assert result.returncode != 0
    assert "email" in result.stderr.lower()
    assert "Traceback" not in result.stderr
