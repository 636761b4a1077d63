"""The calendar feed page in a real browser, on both backends: reached from the profile,
a link created and shown once, fetched by a client without cookies (as a calendar app
does), replaced, turned off; and the same without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible, screenshot
from tests.support.log_scan import register_secret
from tests.support.web_sweeps import add_cookies, person, project, sign_in_http, task, workspace

PageFactory = Callable[..., Awaitable[Any]]
TITLE = "Ship the launch post, v2; <b>bold</b> ✓"


async def _me_with_a_dated_task(server: LiveServer) -> tuple[str, dict[str, Any]]:
    """A person with one open task assigned to them, due in two days; (email, task)."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        me = await person(http, "Cal Endar")
        workspace_id = await workspace(http, me, "Acme")
        project_id = await project(http, me, workspace_id, "Website")
        due = (datetime.now(UTC) + timedelta(days=2)).isoformat().replace("+00:00", "Z")
        made = await task(http, me, project_id, title=TITLE, assignee_id=me.id, due_at=due)
        # Not in the feed: done.
        await task(
            http, me, project_id, title="Already done", assignee_id=me.id, due_at=due, status="done"
        )
        return me.email, made


async def _signed_in(new_page: PageFactory, server: LiveServer, email: str, **options: Any) -> Any:
    page = await new_page(**options)
    cookies, _ = await sign_in_http(server.base_url, email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _feed(new_page: PageFactory, url: str) -> Any:
    """Fetch the feed from a fresh browser context: no cookies, as a calendar app."""
    stranger = await new_page()
    return await stranger.request.get(url)


def _link_of(value: str) -> str:
    token = re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/([A-Za-z0-9_-]{43})\.ics", value)
    assert token is not None, "not a feed link"
    register_secret(token.group(1))
    return value


async def test_create_fetch_and_turn_off_the_calendar_link(
    new_page: PageFactory, server: LiveServer
) -> None:
    email, made = await _me_with_a_dated_task(server)
    page = await _signed_in(new_page, server, email)
    await page.goto("/profile")
    await page.get_by_role("link", name="Calendar feed").click()
    await page.wait_for_url(re.compile(r".*/profile/calendar$"))
    await expect(page.locator("#feed-state")).to_contain_text("You have no calendar link")
    await assert_accessible(page)

    await page.get_by_role("button", name="Create link").click()
    await expect(page.locator("#feed-created")).to_contain_text("shown only this once")
    url = _link_of(await page.get_by_label("Your calendar link").input_value())
    await expect(page.locator("#feed-state")).to_contain_text("not fetched by any calendar yet")
    for name in ("Google Calendar", "Outlook", "Apple Calendar"):
        await expect(page.get_by_role("heading", name=name)).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "calendar-feed-created")

    answer = await _feed(new_page, url)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(await answer.body()).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == [f"{made['key']} {TITLE}"]
    assert str(events[0]["URL"]) == f"{server.base_url}/tasks/{made['id']}"

    # Shown once: a reload says the link is on, and when it was fetched, never the link.
    await page.goto("/profile/calendar")
    await expect(page.locator("#feed-state")).to_contain_text("last fetched by a calendar")
    assert await page.locator("#feed-url").count() == 0
    assert url not in await page.content()

    await page.get_by_role("button", name="Turn off").click()
    await page.wait_for_url(re.compile(r".*/profile/calendar\?saved=off$"))
    await expect(page.locator("main").get_by_role("status").first).to_contain_text("turned off")
    await expect(page.locator("#feed-state")).to_contain_text("You have no calendar link")
    assert (await _feed(new_page, url)).status == 404


async def test_without_javascript_a_replaced_link_stops_working(
    new_page: PageFactory, server: LiveServer
) -> None:
    email, _ = await _me_with_a_dated_task(server)
    page = await _signed_in(
        new_page, server, email, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    await page.goto("/profile/calendar")
    await page.get_by_role("button", name="Create link").click()
    first = _link_of(await page.locator("#feed-url").input_value())
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    await screenshot(page, "calendar-feed-phone")

    await page.get_by_role("button", name="Replace link").click()
    second = _link_of(await page.locator("#feed-url").input_value())
    assert second != first
    assert (await _feed(new_page, first)).status == 404
    assert (await _feed(new_page, second)).status == 200
