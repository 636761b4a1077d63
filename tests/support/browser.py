"""Browser tests: a live `smarttask serve` per backend and Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot work here (no internet); the tests drive the
`chromium` package through `executable_path`. A missing browser fails the suite with a
message saying how to install it, never skips it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from smarttask.db.migrate import upgrade
from tests.support import (
    TEST_SECRET_KEY,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    sqlite_url,
)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
ARTIFACTS = REPO / "data" / "browser"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text()
PASSWORD = "correct-horse-battery-9"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    configured = os.environ.get("SMARTTASK_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "Chromium is missing: the browser tests need it. Install it with "
        "`apt-get install -y chromium` (or set SMARTTASK_CHROMIUM to a Chromium binary).",
        pytrace=False,
    )


@dataclass
class LiveServer:
    """A running `smarttask serve` and where it keeps its data."""

    base_url: str
    backend: str
    database_url: str
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(errors="replace")


async def _wait_ready(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"smarttask serve exited:\n{log_path.read_text()[-4000:]}")
            try:
                if (await http.get(f"{base_url}/health/live", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"smarttask serve did not start:\n{log_path.read_text()[-4000:]}")


@asynccontextmanager
async def live_server(
    backend: str, directory: Path, **env_overrides: str
) -> AsyncIterator[LiveServer]:
    """`smarttask serve` on a fresh, migrated database of the backend, stopped afterwards."""
    name = None
    if backend == "sqlite":
        database_url = sqlite_url(directory)
    else:
        database_url, name = await create_postgres_database()
    await asyncio.to_thread(upgrade, database_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        {
            "SMARTTASK_DATABASE_URL": database_url,
            "SMARTTASK_SECRET_KEY": TEST_SECRET_KEY,
            "SMARTTASK_DATA_DIR": str(directory),
            "SMARTTASK_STORAGE_PATH": str(directory / "objects"),
            "SMARTTASK_PUBLIC_URL": base_url,
            "SMARTTASK_PORT": str(port),
            "SMARTTASK_LOG_LEVEL": "WARNING",
            "SMARTTASK_USER_WRITE_RATE_LIMIT": "100000/minute",
            "SMARTTASK_AUTH_IP_RATE_LIMIT": "100000/minute",
            "SMARTTASK_JOB_POLL_INTERVAL_SECONDS": "0.2",
            "SMARTTASK_PERIODIC_JOBS_ENABLED": "false",
            # Small pools: the rest of the suite runs beside these servers on one PostgreSQL.
            "SMARTTASK_DB_POOL_SIZE": "4",
            "SMARTTASK_DB_MAX_OVERFLOW": "4",
            **env_overrides,
        }
    )
    log_path = directory / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "smarttask.entrypoints.cli", "serve"],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        await _wait_ready(base_url, server, log_path)
        yield LiveServer(base_url, backend, database_url, directory, log_path)
    finally:
        server.terminate()
        try:
            await asyncio.to_thread(server.wait, 15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if name is not None:
            await drop_postgres_database(name)


def unique_email(prefix: str = "user") -> str:
    """An email no other test uses."""
    return f"{prefix}-{time.time_ns()}@example.com"


async def register(page: Any, name: str = "Ada Lovelace", email: str | None = None) -> str:
    """Create an account through /register (signed in afterwards); its email."""
    email = email or unique_email()
    await page.goto("/register")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    return email


async def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through /login."""
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def axe_violations(
    page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[Any]:
    """axe-core's violations of these impacts on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP does not apply to it.
        await page.evaluate(AXE_SOURCE + "\n;0")
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "id": item["id"],
            "impact": item["impact"],
            "help": item["help"],
            "nodes": [node["target"] for node in item["nodes"][:5]],
        }
        for item in result
        if item.get("impact") in impacts
    ]


async def assert_accessible(page: Any) -> None:
    """No serious or critical axe-core violation on the page, in light and in dark theme."""
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        found = await axe_violations(page)
        assert not found, f"accessibility violations on {page.url} ({scheme}): {found}"
    await page.emulate_media(color_scheme="light")


async def screenshot(page: Any, name: str, *, docs: bool = False) -> Path:
    """Save a screenshot (under docs/screenshots/ when it illustrates the README)."""
    folder = SCREENSHOTS if docs else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path
