"""The AI analysis on the task page: asked with one button, shown when done, suggestions added
with one click; a spent budget is said in words."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible, live_server, screenshot
from tests.support.web_tasks import api, new_task, open_as, read_task, setup

DESCRIPTION = (
    "Customers sign in with a magic link instead of a password.\n\n"
    "- Write the token table migration\n"
    "- Send the email with the link\n"
    "- Add rate limits to the sign-in endpoint\n"
)


async def test_analyze_shows_the_result_without_a_reload(new_page: Any, server: LiveServer) -> None:
    page = await new_page(viewport={"width": 1280, "height": 900})
    base = server.base_url
    s = await setup(base)
    await new_task(base, s.owner, s.project_id, title="Design the email template")
    task = await new_task(
        base,
        s.owner,
        s.project_id,
        title="Passwordless sign-in",
        description=DESCRIPTION,
        due_at="2030-01-15T17:00:00Z",
        priority="high",
        labels=["auth"],
    )
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    await page.evaluate("window.notReloaded = true")
    await page.get_by_role("button", name="Analyze", exact=True).click()
    heading = page.get_by_role("heading", name="AI analysis", exact=True)
    await expect(heading).to_be_visible(timeout=20_000)
    assert await page.evaluate("window.notReloaded === true")
    analysis = page.locator("#task-analysis")
    await expect(analysis.get_by_role("heading", name="Suggested subtasks")).to_be_visible()
    await expect(analysis.get_by_role("heading", name="Questions")).to_be_visible()
    await expect(analysis).not_to_have_attribute("hx-get", "")

    add = page.get_by_role("button", name="Add subtask: Send the email with the link")
    await add.click()
    await expect(page.locator("#task-subtasks")).to_contain_text("Send the email with the link")
    await expect(add).to_have_count(0)
    await expect(analysis).to_contain_text("Added")
    async with httpx.AsyncClient(base_url=base) as http:
        subtasks = await api(http, s.owner, "GET", f"/tasks/{task['id']}/subtasks")
    assert [t["title"] for t in subtasks["items"]] == ["Send the email with the link"]
    assert (await read_task(base, s.owner, task["id"]))["version"] == task["version"]

    await assert_accessible(page)
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "task-analysis", docs=True)
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, "task-analysis-dark")
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size({"width": 375, "height": 800})
    await screenshot(page, "task-analysis-phone")
    assert page.js_errors == []


async def test_viewers_see_the_analysis_but_cannot_ask(new_page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Read only", description=DESCRIPTION)
    owner = await new_page()
    await open_as(owner, s.owner, f"/tasks/{task['id']}")
    await owner.get_by_role("button", name="Analyze", exact=True).click()
    await expect(owner.get_by_role("heading", name="AI analysis", exact=True)).to_be_visible(
        timeout=20_000
    )
    viewer = await new_page()
    await open_as(viewer, s.viewer, f"/tasks/{task['id']}")
    await expect(viewer.get_by_role("heading", name="AI analysis", exact=True)).to_be_visible()
    await expect(viewer.locator("#task-analysis")).to_contain_text(
        "Write the token table migration"
    )
    await expect(viewer.get_by_role("button", name="Analyze")).to_have_count(0)
    await expect(viewer.locator("#task-analysis button")).to_have_count(0)


async def test_a_spent_budget_is_said_in_words(
    browser: Any, tmp_path: Any, server: LiveServer
) -> None:
    async with live_server(
        server.backend, tmp_path, SMARTTASK_AI_DAILY_TOKEN_BUDGET="0"
    ) as running:
        s = await setup(running.base_url)
        task = await new_task(running.base_url, s.owner, s.project_id, title="No budget")
        context = await browser.new_context(base_url=running.base_url)
        try:
            page = await context.new_page()
            await open_as(page, s.owner, f"/tasks/{task['id']}")
            await page.get_by_role("button", name="Analyze", exact=True).click()
            alert = page.locator("#task-analysis [role=alert]")
            await expect(alert).to_contain_text("turned off on this instance")
            await expect(page.get_by_role("heading", name="Ask the AI")).to_be_visible()
            await assert_accessible(page)
        finally:
            await context.close()
