"""Who sees and changes what on the task page: outsiders get 404s, viewers only read."""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible
from tests.support.web import BROWSER_ACCEPT
from tests.support.web_tasks import api, new_task, open_as, person, read_task, setup

PAGE = {"Accept": BROWSER_ACCEPT}


async def _csrf(page: Any) -> str:
    headers: str = await page.evaluate("document.body.getAttribute('hx-headers')")
    token: str = json.loads(headers)["X-CSRF-Token"]
    return token


async def _task_with_things(base: str, s: Any) -> tuple[dict[str, Any], str, str]:
    task = await new_task(base, s.owner, s.project_id, title="Secret plans")
    async with httpx.AsyncClient(base_url=base) as http:
        comment = await api(http, s.owner, "POST", f"/tasks/{task['id']}/comments", body="Hi")
        attachment = await api(
            http,
            s.owner,
            "POST",
            f"/tasks/{task['id']}/attachments",
            filename="a.txt",
            content_type="text/plain",
            size=3,
        )
    return task, comment["id"], attachment["id"]


def _posts(task_id: str, comment_id: str, attachment_id: str) -> dict[str, dict[str, str]]:
    return {
        f"/tasks/{task_id}": {"part": "title", "title": "Hacked"},
        f"/tasks/{task_id}/subtasks": {"title": "Hacked"},
        f"/tasks/{task_id}/dependencies": {"depends_on": task_id},
        f"/tasks/{task_id}/dependencies/{task_id}/delete": {},
        f"/tasks/{task_id}/comments": {"body": "Hacked"},
        f"/tasks/{task_id}/comments/{comment_id}": {"body": "Hacked"},
        f"/tasks/{task_id}/comments/{comment_id}/delete": {},
        f"/tasks/{task_id}/attachments": {
            "filename": "x.txt",
            "content_type": "text/plain",
            "size": "1",
        },
        f"/tasks/{task_id}/attachments/{attachment_id}/complete": {},
        f"/tasks/{task_id}/attachments/{attachment_id}/delete": {},
        f"/tasks/{task_id}/analysis": {},
    }


async def test_outsiders_get_the_page_not_found(page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task, comment_id, attachment_id = await _task_with_things(base, s)
    async with httpx.AsyncClient(base_url=base) as http:
        outsider = await person(http, "Otto Outsider")
    await open_as(page, outsider, f"/tasks/{task['id']}")
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "Secret plans" not in await page.content()
    await assert_accessible(page)
    token = await _csrf(page)
    for path in (
        f"/tasks/{task['id']}",
        f"/tasks/{task['id']}/edit",
        f"/tasks/{task['id']}/part/comments",
        f"/tasks/{task['id']}/comments/{comment_id}/edit",
        "/tasks/no-such-task",
    ):
        answer = await page.request.get(path, headers=PAGE)
        assert answer.status == 404, path
    for path, form in _posts(task["id"], comment_id, attachment_id).items():
        answer = await page.request.post(path, form={"csrf_token": token, **form}, headers=PAGE)
        assert answer.status == 404, path
        assert "Page not found" in await answer.text()
    assert (await read_task(base, s.owner, task["id"]))["title"] == "Secret plans"


async def test_viewers_read_without_edit_controls(page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task, comment_id, attachment_id = await _task_with_things(base, s)
    await open_as(page, s.viewer, f"/tasks/{task['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Secret plans")
    await expect(page.locator("#task-comments")).to_contain_text("Hi")
    await expect(page.locator("main")).to_contain_text("your role (viewer) cannot change it")
    for name in ("Edit title", "Edit description"):
        await expect(page.get_by_role("link", name=name)).to_have_count(0)
    for name in ("Save details", "Analyze", "Add subtask", "Add dependency", "Comment", "Delete"):
        await expect(page.get_by_role("button", name=name)).to_have_count(0)
    # The one form a viewer has: watching the task (anyone who reads a task may watch it).
    await expect(page.locator("main form")).to_have_count(1)
    await expect(page.locator("main form#task-watch")).to_have_count(1)
    await expect(page.locator("input[type=file]")).to_have_count(0)
    await expect(page.locator("select, textarea")).to_have_count(1)  # the workspace switcher
    await assert_accessible(page)
    token = await _csrf(page)
    for path, form in _posts(task["id"], comment_id, attachment_id).items():
        answer = await page.request.post(path, form={"csrf_token": token, **form}, headers=PAGE)
        assert answer.status == 403, path
    saved = await read_task(base, s.owner, task["id"])
    assert saved["title"] == "Secret plans"
    async with httpx.AsyncClient(base_url=base) as http:
        comments = await api(http, s.owner, "GET", f"/tasks/{task['id']}/comments")
        subtasks = await api(http, s.owner, "GET", f"/tasks/{task['id']}/subtasks")
    assert [c["body"] for c in comments["items"]] == ["Hi"]
    assert subtasks["items"] == []
