"""Helpers of the workspace and profile page tests: workspaces made through the pages,
forged posts, an instance administrator, one-time codes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from typing import Any

import pyotp

from tests.support import TEST_SECRET_KEY
from tests.support.browser import PASSWORD, LiveServer
from tests.support.log_scan import register_secret


async def create_workspace(page: Any, name: str) -> str:
    """Create a workspace through /workspaces; its id (the page is then its home)."""
    await page.goto("/workspaces")
    form = page.get_by_role("region", name="Create a workspace")
    await form.get_by_label("Name").fill(name)
    await form.get_by_role("button", name="Create workspace").click()
    await page.wait_for_url(re.compile(r".*/workspaces/[^/]+$"))
    return str(page.url.rsplit("/", 1)[1])


async def create_project(page: Any, workspace_id: str, name: str, key: str) -> str:
    """Create a project through the workspace's home; its id."""
    await page.goto(f"/workspaces/{workspace_id}")
    form = page.get_by_role("region", name="Create a project")
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Key").fill(key)
    await form.get_by_role("button", name="Create project").click()
    await page.wait_for_url(re.compile(rf".*/workspaces/{workspace_id}$"))
    link = page.get_by_role("link", name=name, exact=True)
    return str((await link.get_attribute("href")).rsplit("/", 1)[1])


async def csrf_token(page: Any) -> str:
    """The CSRF token of the page's browser and login (from any of its forms)."""
    return str(await page.locator("input[name=csrf_token]").first.input_value())


async def forge_post(page: Any, path: str, data: dict[str, str] | None = None) -> Any:
    """A form post made outside the page's forms, with the browser's cookies and token."""
    form = {**(data or {}), "csrf_token": await csrf_token(page)}
    return await page.request.post(path, form=form, max_redirects=0)


def _cli_env(server: LiveServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_DATABASE_URL": server.database_url,
            "SMARTTASK_SECRET_KEY": TEST_SECRET_KEY,
            "SMARTTASK_DATA_DIR": str(server.data_dir),
            "SMARTTASK_LOG_LEVEL": "WARNING",
        }
    )
    return env


async def create_admin(server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """An instance administrator, made with `smarttask user create --admin` on the server's
    database, as an operator would."""
    register_secret(password)
    command = [sys.executable, "-m", "smarttask.entrypoints.cli", "user", "create"]
    command += ["--email", email, "--password", password, "--name", "Admin", "--admin"]
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        env=_cli_env(server),
        cwd=server.data_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def code_at(secret: str, offset_seconds: float = 0) -> str:
    """The one-time code of the secret at now + offset."""
    return str(pyotp.TOTP(secret).at(time.time() + offset_seconds))


def wrong_code(secret: str) -> str:
    """A six-digit code that none of the nearby time steps accepts."""
    near = {code_at(secret, offset) for offset in (-60, -30, 0, 30, 60, 90)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)
