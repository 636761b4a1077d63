"""Attachments on the task page: picked or dropped files go straight to storage and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible
from tests.support.web_tasks import new_task, open_as, setup

NOTES = "Meeting notes\n\u00e9t\u00e9 \u2713\n".encode() * 200
PICTURE = bytes(range(256)) * 40


async def _download(page: Any, name: str) -> bytes:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=name, exact=True).click()
    download = await info.value
    return Path(await download.path()).read_bytes()


async def test_files_picked_or_dropped_are_attached_and_come_back(
    page: Any, server: LiveServer
) -> None:
    s = await setup(server.base_url)
    task = await new_task(server.base_url, s.member, s.project_id, title="With files")
    await open_as(page, s.member, f"/tasks/{task['id']}")
    await page.evaluate("window.notReloaded = true")
    status = page.locator(".upload-status")

    await page.get_by_label("Attach files").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": NOTES}]
    )
    await expect(status).to_have_text("notes.txt is attached.")
    await expect(page.get_by_role("link", name="notes.txt", exact=True)).to_be_visible()
    assert await _download(page, "notes.txt") == NOTES

    transfer = await page.evaluate_handle(
        """(bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "picture.bin"));
            return data;
        }""",
        list(PICTURE),
    )
    await page.dispatch_event(".dropzone", "dragover", {"dataTransfer": transfer})
    await expect(page.locator(".dropzone")).to_have_class("dropzone over")
    await page.dispatch_event(".dropzone", "drop", {"dataTransfer": transfer})
    await expect(status).to_have_text("picture.bin is attached.")
    assert await _download(page, "picture.bin") == PICTURE
    await expect(page.locator("#attachment-list li")).to_have_count(2)
    await expect(page.locator("#attachment-list")).to_contain_text("Grace Hopper")
    assert await page.evaluate("window.notReloaded === true")
    await assert_accessible(page)

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Delete notes.txt").click()
    await expect(page.locator("#attachment-list li")).to_have_count(1)
    assert page.js_errors == []


async def test_a_refused_file_is_said_in_words(page: Any, server: LiveServer) -> None:
    s = await setup(server.base_url)
    task = await new_task(server.base_url, s.member, s.project_id, title="No pages")
    await open_as(page, s.member, f"/tasks/{task['id']}")
    await page.get_by_label("Attach files").set_input_files(
        files=[{"name": "page.html", "mimeType": "text/html", "buffer": b"<p>hi</p>"}]
    )
    status = page.locator(".upload-status")
    await expect(status).to_contain_text("page.html cannot be attached: text/html is not accepted")
    await expect(page.locator("#attachment-list")).to_contain_text("No files attached")
    await assert_accessible(page)
