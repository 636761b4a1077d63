"""The data export page in a real browser, on both backends: reached from the profile, a
wrong password refused beside its field, an export asked for, built by the server's own
job runner and shown ready without a reload, downloaded as a ZIP, a second one refused by
the rate limit; and the same page without JavaScript at phone width."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
from playwright.async_api import expect

from tests.support.browser import PASSWORD, LiveServer, assert_accessible, screenshot
from tests.support.faults import wait_until
from tests.support.web_sweeps import (
    add_cookies,
    person,
    project,
    sign_in_http,
    task,
    upload,
    workspace,
)

PageFactory = Callable[..., Awaitable[Any]]
NOTES = b"notes of the launch, byte for byte\n"


async def _me_with_a_file(server: LiveServer) -> str:
    """A person with a task and a file they uploaded; their email."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        me = await person(http, "Ex Porter")
        workspace_id = await workspace(http, me, "Acme")
        project_id = await project(http, me, workspace_id, "Website")
        made = await task(http, me, project_id, title="Ship the launch post", assignee_id=me.id)
        await upload(http, me, made["id"], "notes.txt", NOTES)
        return me.email


async def _signed_in(new_page: PageFactory, server: LiveServer, email: str, **options: Any) -> Any:
    page = await new_page(**options)
    cookies, _ = await sign_in_http(server.base_url, email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def test_ask_for_an_export_and_download_it(new_page: PageFactory, server: LiveServer) -> None:
    email = await _me_with_a_file(server)
    page = await _signed_in(new_page, server, email)
    await page.goto("/profile")
    await page.get_by_role("link", name="Export your data").click()
    await page.wait_for_url(re.compile(r".*/profile/export$"))
    await expect(page.locator("#export-state")).to_contain_text("not asked for an export")
    await assert_accessible(page)

    await page.get_by_label("Current password").fill("not the password at all")
    await page.get_by_role("button", name="Request export").click()
    field = page.get_by_label("Current password")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#export-state")).to_contain_text("not asked for an export")
    await assert_accessible(page)

    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="Request export").click()
    await page.wait_for_url(re.compile(r".*/profile/export\?saved=requested$"))
    await expect(page.locator("main").get_by_role("status").first).to_contain_text("being prepared")
    # The server's job runner builds it; the live stream refreshes the part, no reload.
    await expect(page.locator("#export-state")).to_contain_text("Ready", timeout=30_000)
    assert "saved=requested" in page.url
    await assert_accessible(page)
    await screenshot(page, "export-ready", docs=True)

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=re.compile("Download your data")).click()
    downloaded = await waiting.value
    assert re.fullmatch(r"smarttask-export-\d{4}-\d{2}-\d{2}\.zip", downloaded.suggested_filename)
    with zipfile.ZipFile(io.BytesIO((await downloaded.path()).read_bytes())) as archive:
        assert archive.testzip() is None
        profile = orjson.loads(archive.read("profile.json"))
        assert profile["user"]["email"] == email
        [listed] = orjson.loads(archive.read("attachments.json"))
        assert archive.read(listed["path"]) == NOTES
        titles = [item["title"] for item in orjson.loads(archive.read("tasks.json"))]
        assert titles == ["Ship the launch post"]

    # A second one within the hour: refused, saying when to ask again; the first stays.
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="Request export").click()
    await expect(page.locator("#export-error")).to_contain_text("retry in")
    await expect(page.locator("#export-state")).to_contain_text("Ready")
    await assert_accessible(page)


async def test_without_javascript_at_phone_width(new_page: PageFactory, server: LiveServer) -> None:
    email = await _me_with_a_file(server)
    page = await _signed_in(
        new_page, server, email, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    await page.goto("/profile/export")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="Request export").click()
    await page.wait_for_url(re.compile(r".*/profile/export\?saved=requested$"))
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    await screenshot(page, "export-phone")

    # Without the script nothing refreshes by itself: a reload shows it once it is ready.
    async def ready() -> bool:
        await page.goto("/profile/export")
        return "Ready" in await page.locator("#export-state").inner_text()

    await wait_until(ready, "the export to be ready", every=0.5)
    link = page.get_by_role("link", name=re.compile("Download your data"))
    assert await link.get_attribute("href") == "/profile/export/download"
