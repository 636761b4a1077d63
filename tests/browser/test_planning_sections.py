"""The task page's Time and Repeat sections in a real browser, on both backends: a timer
started and stopped, time logged and the total shown; a repeat rule set, its next
occurrence shown, a bad custom rule refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible
from tests.support.web_sweeps import add_cookies, person, project, sign_in_http, task, workspace

PageFactory = Callable[..., Awaitable[Any]]


async def _task_page(new_page: PageFactory, server: LiveServer, **fields: Any) -> tuple[Any, str]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        me = await person(http, "Tim Keeper")
        workspace_id = await workspace(http, me, "Acme")
        project_id = await project(http, me, workspace_id, "Website")
        made = await task(http, me, project_id, title="Write the launch post", **fields)
    page = await new_page()
    cookies, _ = await sign_in_http(server.base_url, me.email)
    await add_cookies(page, server.base_url, cookies)
    await page.goto(f"/tasks/{made['id']}")
    return page, str(made["id"])


async def test_timer_and_logged_time_show_in_the_total(
    new_page: PageFactory, server: LiveServer
) -> None:
    page, _ = await _task_page(new_page, server)
    section = page.locator("#task-time")
    await expect(section.get_by_role("button", name="Start timer")).to_be_visible()
    await section.get_by_role("button", name="Start timer").click()
    await expect(section).to_contain_text("Your timer is running on this task.")
    await expect(section).to_contain_text("running since")
    await section.get_by_role("button", name="Stop timer").click()
    await expect(section.get_by_role("button", name="Start timer")).to_be_visible()
    await expect(section).to_contain_text("0 min")
    await section.get_by_label("Minutes").fill("45")
    await section.get_by_label("Note").fill("first draft")
    await section.get_by_role("button", name="Log time").click()
    await expect(section.locator("[data-time-total]")).to_have_text("45")
    await expect(section).to_contain_text("45 min (first draft)")
    await section.get_by_label("Minutes").fill("2000")
    await section.get_by_role("button", name="Log time").click()
    # The browser's own check (max 1440) keeps the form; the total did not move.
    await expect(section.locator("[data-time-total]")).to_have_text("45")
    await assert_accessible(page)
    await page.reload()
    await expect(page.locator("#task-time [data-time-total]")).to_have_text("45")


async def test_setting_a_repeat_rule_shows_the_next_occurrence(
    new_page: PageFactory, server: LiveServer
) -> None:
    page, _ = await _task_page(new_page, server, due_at="2027-01-04T09:00:00Z")
    section = page.locator("#task-repeat")
    await expect(section.locator("[data-repeat-rule]")).to_have_text("Does not repeat.")
    await section.get_by_label("Repeat", exact=True).select_option("weekly")
    await section.get_by_role("button", name="Save repeat").click()
    await expect(section.locator("[data-repeat-rule]")).to_contain_text("FREQ=WEEKLY")
    await expect(section.locator("[data-repeat-next]")).to_contain_text("11 Jan 2027, 09:00 UTC")
    await section.get_by_label("Repeat", exact=True).select_option("custom")
    await section.get_by_label("Custom rule (RFC 5545 RRULE)").fill("FREQ=HOURLY")
    await section.get_by_role("button", name="Save repeat").click()
    await expect(section.get_by_role("alert")).to_contain_text("at most daily")
    await section.get_by_label("Custom rule (RFC 5545 RRULE)").fill("FREQ=MONTHLY;BYMONTHDAY=15")
    await section.get_by_label("the completion").check()
    await section.get_by_role("button", name="Save repeat").click()
    await expect(section.locator("[data-repeat-rule]")).to_contain_text(
        "FREQ=MONTHLY;BYMONTHDAY=15"
    )
    await expect(section.locator("[data-repeat-rule]")).to_contain_text("from the completion")
    await expect(section.locator("[data-repeat-next]")).to_contain_text("Next occurrence: 15 ")
    await assert_accessible(page)
