"""The project's Import / export page in a real browser, on both backends: reached from the
project page, a Todoist file uploaded, imported by the server's own job runner and its report
shown without a reload, and a bad file refused on the page."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible, screenshot
from tests.support.imports import FIXTURES
from tests.support.web_sweeps import add_cookies, person, project, sign_in_http, workspace

PageFactory = Callable[..., Awaitable[Any]]


async def test_upload_a_todoist_file_and_read_the_report(
    new_page: PageFactory, server: LiveServer, tmp_path: Any
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        me = await person(http, "Im Porter")
        workspace_id = await workspace(http, me, "Acme")
        project_id = await project(http, me, workspace_id, "Website")
    page = await new_page()
    cookies, _ = await sign_in_http(server.base_url, me.email)
    await add_cookies(page, server.base_url, cookies)
    await page.goto(f"/projects/{project_id}")
    await page.get_by_role("link", name="Import / export").click()
    await page.wait_for_url(re.compile(rf".*/projects/{project_id}/import$"))
    await assert_accessible(page)

    bad = tmp_path / "notes.csv"
    bad.write_text("when,what\nnoon,lunch\n")
    await page.get_by_label("File to import").set_input_files(str(bad))
    await page.get_by_role("button", name="Upload and import").click()
    await expect(page.locator("#import-error")).to_contain_text("neither smarttask CSV")

    await page.get_by_label("File to import").set_input_files(
        str(FIXTURES / "todoist_full_test_project.csv")
    )
    await page.get_by_role("button", name="Upload and import").click()
    await page.wait_for_url(re.compile(r".*/import\?import=.+"))
    # The server's job runner imports it; the live stream refreshes the part, no reload.
    report = page.locator(".import-status")
    await expect(report).to_contain_text("Done", timeout=30_000)
    await expect(report).to_contain_text("created 8 tasks, 2 labels, 8 comments")
    await expect(report.locator(".import-mapped")).to_contain_text("PRIORITY 2 (p2)")
    await expect(report.locator(".import-refused")).to_contain_text("not a calendar date")
    await assert_accessible(page)
    await screenshot(page, "import-report", docs=True)

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download CSV").click()
    downloaded = await waiting.value
    assert downloaded.suggested_filename == "WEB-tasks.csv"
    text = (await downloaded.path()).read_text()
    assert "task level four" in text
