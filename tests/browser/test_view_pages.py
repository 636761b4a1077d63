"""Saved views and My tasks in a real browser on both backends: filter a project's list,
"Save as view", open the view in each layout (list table, board by status, calendar by due
date), share it and see it from another member, delete it; My tasks with its filters."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible, screenshot
from tests.support.web_sweeps import add_cookies, person, project, sign_in_http, task

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"


async def _signed_in(new_page: PageFactory, server: LiveServer, email: str) -> Any:
    page = await new_page(viewport={"width": 1280, "height": 900})
    cookies, _ = await sign_in_http(server.base_url, email)
    await add_cookies(page, server.base_url, cookies)
    return page


def _this_month(day: int) -> str:
    now = datetime.now(UTC)
    return datetime(now.year, now.month, day, 12, tzinfo=UTC).isoformat().replace("+00:00", "Z")


async def test_save_a_view_from_the_list_and_open_it_in_each_layout(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        member = await person(http, "Milo Member")
        made = await http.post(f"{API}/workspaces", json={"name": "Acme"}, headers=owner.headers)
        workspace_id = made.json()["id"]
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": member.email, "role": "member"},
            headers=owner.headers,
        )
        assert added.status_code == 201, added.text
        project_id = await project(http, owner, workspace_id, "Website", "WEB")
        await task(
            http,
            owner,
            project_id,
            title="Fix the login bug",
            labels=["bug"],
            due_at=_this_month(14),
            status="in_progress",
        )
        for n in range(5):  # day 3 holds more than a calendar day shows
            await task(
                http, owner, project_id, title=f"Bug {n}", labels=["bug"], due_at=_this_month(3)
            )
        await task(
            http, owner, project_id, title="Crash on save", labels=["bug"], due_at=_this_month(3)
        )
        await task(http, owner, project_id, title="Write the docs", labels=["docs"])

    page = await _signed_in(new_page, server, owner.email)
    await page.goto(f"/projects/{project_id}?label=bug")
    await expect(page.locator("#task-list")).to_contain_text("Crash on save")
    await expect(page.locator("#task-list")).not_to_contain_text("Write the docs")
    await page.get_by_text("Save as view").click()
    await page.get_by_label("View name").fill("Bugs")
    await page.get_by_role("button", name="Save view").click()
    await page.wait_for_url(re.compile(r".*/views/[^/?]+\?saved=created$"))
    view_url = page.url.split("?")[0]

    # List: a table of the matching tasks only.
    table = page.locator("table.view-table")
    await expect(table).to_contain_text("Fix the login bug")
    await expect(table).to_contain_text("Crash on save")
    await expect(table).not_to_contain_text("Write the docs")
    await assert_accessible(page)

    # Board: columns by status.
    await page.get_by_text("Edit view").click()
    await page.get_by_label("Layout").select_option("board")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url(re.compile(r".*\?saved=updated$"))
    await expect(page.locator('[data-status="in_progress"]')).to_contain_text("Fix the login bug")
    await expect(page.locator('[data-status="todo"]')).to_contain_text("Crash on save")
    await expect(page.locator('[data-status="done"]')).not_to_contain_text("Crash")
    await assert_accessible(page)
    await screenshot(page, "view-board")

    # Calendar: this month's grid, each task on its due day.
    await page.get_by_text("Edit view").click()
    await page.get_by_label("Layout").select_option("calendar")
    await page.get_by_label(re.compile("Shared with every member")).check()
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url(re.compile(r".*\?saved=updated$"))
    now = datetime.now(UTC)
    day_3 = page.locator(f'td[data-day="{now.year:04d}-{now.month:02d}-03"]')
    day_14 = page.locator(f'td[data-day="{now.year:04d}-{now.month:02d}-14"]')
    await expect(day_3).to_contain_text("Crash on save")
    await expect(day_14).to_contain_text("Fix the login bug")
    await expect(day_3.locator(".day-tasks li a")).to_have_count(5)  # four, then "2 more"
    await assert_accessible(page)
    await screenshot(page, "view-calendar-day-more")
    await day_3.get_by_role("link", name=re.compile("2 more")).click()
    await expect(page.locator("h2.view-part")).to_contain_text("Due")
    await expect(page.locator("table.view-table tbody tr")).to_have_count(6)
    await page.go_back()

    # Shared: the member finds it under Views and sees the same tasks, without edit controls.
    other = await _signed_in(new_page, server, member.email)
    await other.goto(f"/workspaces/{workspace_id}")
    await other.get_by_role("link", name="Views").click()
    await other.get_by_role("link", name="Bugs").click()
    await expect(
        other.locator(f'td[data-day="{now.year:04d}-{now.month:02d}-03"]')
    ).to_contain_text("Crash on save")
    await expect(other.get_by_text("Edit view")).to_have_count(0)

    # Deleted by its owner: gone for both.
    await page.goto(view_url)
    await page.get_by_text("Edit view").click()
    await page.get_by_role("button", name="Delete view").click()
    await page.wait_for_url(re.compile(r".*/views\?saved=deleted$"))
    await expect(page.locator("main")).to_contain_text("No views yet.")
    gone = await other.goto(view_url)
    assert gone is not None
    assert gone.status == 404
    assert not page.js_errors
    assert not other.js_errors


async def test_my_tasks_with_filters(new_page: PageFactory, server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        made = await http.post(f"{API}/workspaces", json={"name": "Acme"}, headers=owner.headers)
        project_id = await project(http, owner, made.json()["id"], "Website", "WEB")
        me = (await http.get(f"{API}/users/me", headers=owner.headers)).json()["id"]
        await task(http, owner, project_id, title="Urgent thing", priority="urgent", assignee_id=me)
        await task(http, owner, project_id, title="Calm thing", priority="low", assignee_id=me)
        await task(http, owner, project_id, title="Finished", status="done", assignee_id=me)

    page = await _signed_in(new_page, server, owner.email)
    await page.goto("/my-tasks")
    tasks = page.locator("#task-list")
    await expect(tasks).to_contain_text("Urgent thing")
    await expect(tasks).to_contain_text("Calm thing")
    await expect(tasks).not_to_contain_text("Finished")
    await page.get_by_text("Filters").click()
    await page.get_by_label("Urgent").check()
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*/my-tasks\?.*priority=urgent"))
    await expect(tasks).to_contain_text("Urgent thing")
    await expect(tasks).not_to_contain_text("Calm thing")
    await page.goto("/my-tasks?status=done")
    await expect(tasks).to_contain_text("Finished")
    await expect(tasks).not_to_contain_text("Urgent thing")
    # A sort the lists refuse: the page says so (422), and lists nothing.
    refused = await page.goto("/my-tasks?sort=title")
    assert refused is not None
    assert refused.status == 422
    await expect(page.get_by_role("alert")).to_contain_text("sort must be one of")
    await expect(tasks).not_to_contain_text("Urgent thing")
    await page.goto("/my-tasks")
    await assert_accessible(page)
    assert not page.js_errors


async def test_a_viewer_keeps_personal_views_but_cannot_share(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        viewer = await person(http, "Vera Viewer")
        made = await http.post(f"{API}/workspaces", json={"name": "Acme"}, headers=owner.headers)
        workspace_id = made.json()["id"]
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": viewer.email, "role": "viewer"},
            headers=owner.headers,
        )
        assert added.status_code == 201, added.text
        project_id = await project(http, owner, workspace_id, "Website", "WEB")
        await task(http, owner, project_id, title="Only task", priority="high")

    page = await _signed_in(new_page, server, viewer.email)
    await page.goto(f"/projects/{project_id}?priority=high&sort=-updated_at")
    await page.get_by_text("Save as view").click()
    await page.get_by_label("View name").fill("Shared attempt")
    await page.get_by_label("Share with the workspace").check()
    async with page.expect_response(re.compile(r"/views$")) as refused:
        await page.get_by_role("button", name="Save view").click()
    assert (await refused.value).status == 403
    await expect(page.locator("main")).to_contain_text("The view was not saved")
    await expect(page.locator("main")).to_contain_text("member role")

    await page.goto(f"/projects/{project_id}?priority=high&sort=-updated_at")
    await page.get_by_text("Save as view").click()
    await page.get_by_label("View name").fill("Mine")
    await page.get_by_role("button", name="Save view").click()
    await page.wait_for_url(re.compile(r".*/views/[^/?]+\?saved=created$"))
    await expect(page.locator("table.view-table")).to_contain_text("Only task")
    await expect(page.locator(".view-filters")).to_contain_text("Priority: high")
    await expect(page.locator(".view-filters")).to_contain_text("last change, descending")
    # Its owner edits it; sharing is not offered to a viewer.
    await page.get_by_text("Edit view").click()
    await expect(page.get_by_label(re.compile("Shared with every member"))).to_have_count(0)
    assert not page.js_errors
