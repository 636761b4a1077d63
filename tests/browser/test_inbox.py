"""The inbox in a real browser on both backends: the unread badge on every page, the list
newest first with the unread ones emphasised, live updates from the user's stream, marking
one and all read, "Load more"; the same without JavaScript; the preferences page with the
time zone; the watch button of the task page (docs/notifications.md)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import ARTIFACTS, LiveServer, assert_accessible
from tests.support.web_sweeps import Person, add_cookies, person, project, sign_in_http, task

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


@dataclass
class Team:
    """A workspace with a project, its owner (who acts) and a member (who is told)."""

    owner: Person
    member: Person
    workspace_id: str
    project_id: str


async def _team(server: LiveServer) -> Team:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        member = await person(http, "Max Member")
        made = await http.post(f"{API}/workspaces", json={"name": "Acme"}, headers=owner.headers)
        assert made.status_code == 201, made.text
        workspace_id = made.json()["id"]
        added = await http.post(
            f"{API}/workspaces/{workspace_id}/members",
            json={"email": member.email, "role": "member"},
            headers=owner.headers,
        )
        assert added.status_code == 201, added.text
        website = await project(http, owner, workspace_id, "Website", "WEB")
    return Team(owner, member, workspace_id, website)


async def _assign(server: LiveServer, team: Team, title: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        return await task(
            http, team.owner, team.project_id, title=title, assignee_id=team.member.id
        )


async def _signed_in(new_page: PageFactory, server: LiveServer, who: Person, **options: Any) -> Any:
    page = await new_page(viewport=DESKTOP, **options)
    cookies, _ = await sign_in_http(server.base_url, who.email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _shots(page: Any, name: str) -> None:
    """Screenshots in light and dark at desktop and phone width; fits and is accessible
    (axe runs in the page: a page with JavaScript on)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("", DESKTOP), ("-phone", PHONE)):
        await page.set_viewport_size(viewport)
        wide = await page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert wide <= 0, f"{page.url} is {wide} px wider than the window"
        await assert_accessible(page)
        for scheme in ("light", "dark"):
            await page.emulate_media(color_scheme=scheme)
            await page.screenshot(
                path=str(ARTIFACTS / f"{name}{size}-{scheme}.png"), full_page=True
            )
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(DESKTOP)


def _badge(page: Any) -> Any:
    return page.locator("#inbox-badge")


async def test_the_inbox_badge_live_updates_and_reading(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    first = await _assign(server, team, "Fix the sign-in form")
    await _assign(server, team, "Pick a font <script>window.__pwned=1</script>")
    page = await _signed_in(new_page, server, team.member)
    await page.goto("/my-tasks")
    await expect(_badge(page)).to_have_text("2 unread")

    await page.get_by_role("link", name=re.compile("^Inbox")).click()
    await page.wait_for_url(re.compile(r".*/notifications$"))
    items = page.locator(".inbox-item")
    await expect(items).to_have_count(2)
    await expect(items.first).to_contain_text(
        "Olive Owner assigned you WEB-2 \u201cPick a font <script>"
    )
    await expect(page.locator(".inbox-item.unread")).to_have_count(2)
    assert await page.evaluate("() => typeof window.__pwned") == "undefined"
    await _shots(page, "inbox")

    # a new notification arrives while the page is open: the badge and the list follow
    await _assign(server, team, "Write the release notes")
    await expect(_badge(page)).to_have_text("3 unread")
    await expect(items.first).to_contain_text("Write the release notes")

    # one read (htmx, in place), then all
    await items.nth(2).get_by_role("button", name=re.compile("^Mark read")).click()
    await expect(page.locator(".inbox-item.unread")).to_have_count(2)
    await expect(_badge(page)).to_have_text("2 unread")
    await page.get_by_role("button", name="Mark all read").click()
    await expect(page.locator(".inbox-item.unread")).to_have_count(0)
    await expect(_badge(page)).to_have_text("")
    await page.get_by_role("link", name="Unread", exact=True).click()
    await expect(page.locator("[data-empty-state]")).to_contain_text("Nothing unread")

    # the task link of an item
    await page.get_by_role("link", name="All", exact=True).click()
    await items.last.get_by_role("link", name=re.compile("^Open task")).click()
    await page.wait_for_url(re.compile(rf".*/tasks/{first['id']}$"))
    assert page.js_errors == []


async def test_load_more_and_the_inbox_without_javascript(
    new_page: PageFactory, server: LiveServer
) -> None:
    team = await _team(server)
    for number in range(27):
        await _assign(server, team, f"Task {number:02d}")
    page = await _signed_in(new_page, server, team.member)
    await page.goto("/notifications")
    items = page.locator(".inbox-item")
    await expect(items).to_have_count(25)
    await page.get_by_role("link", name="Load more notifications").click()
    await expect(items).to_have_count(27)
    await expect(items.last).to_contain_text("\u201cTask 00\u201d")
    await expect(page.get_by_role("link", name="Load more notifications")).to_have_count(0)

    plain = await _signed_in(new_page, server, team.member, java_script_enabled=False)
    await plain.goto("/notifications")
    await expect(plain.locator("#inbox-badge")).to_have_text("27 unread")
    await (
        plain.locator(".inbox-item")
        .first.get_by_role("button", name=re.compile("^Mark read"))
        .click()
    )
    await plain.wait_for_url(re.compile(r".*/notifications$"))
    await expect(plain.locator("#inbox-badge")).to_have_text("26 unread")
    await expect(plain.locator(".inbox-item.unread")).to_have_count(24)  # of the first 25
    await plain.get_by_role("link", name="Load more notifications").click()
    await plain.wait_for_url(re.compile(r".*/notifications\?cursor="))
    await expect(plain.locator(".inbox-item")).to_have_count(2)
    await plain.get_by_role("button", name="Mark all read").click()
    await expect(plain.locator("#inbox-badge")).to_have_text("")


async def test_preferences_and_time_zone(new_page: PageFactory, server: LiveServer) -> None:
    team = await _team(server)
    page = await _signed_in(new_page, server, team.member)
    await page.goto("/profile/notifications")
    comments = page.get_by_label("Mail for: A comment on a task I watch")
    await expect(comments).to_have_value("daily")
    await comments.select_option("off")
    await page.locator("#pref-task_assigned-in-app").uncheck()
    await page.get_by_label("Time zone", exact=True).select_option("Europe/Paris")
    await page.get_by_role("button", name="Save notification settings").click()
    await page.wait_for_url(re.compile(r".*/profile/notifications\?saved=1$"))
    await expect(page.locator("main").get_by_role("status")).to_contain_text("saved")
    await expect(comments).to_have_value("off")
    await expect(page.locator("#pref-task_assigned-in-app")).not_to_be_checked()
    await expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Paris")
    await _shots(page, "notification-preferences")
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        me = await http.get(f"{API}/users/me", headers=team.member.headers)
        chosen = await http.get(
            f"{API}/users/me/notification-preferences", headers=team.member.headers
        )
    assert me.json()["timezone"] == "Europe/Paris"
    assert chosen.json()["preferences"]["comment_added"] == {"in_app": True, "email": "off"}
    assert chosen.json()["preferences"]["task_assigned"]["in_app"] is False
    await _assign(server, team, "Not in the inbox")
    await page.goto("/notifications")
    await expect(page.locator("[data-empty-state]")).to_contain_text("No notifications yet")


async def test_the_watch_button_of_the_task_page(new_page: PageFactory, server: LiveServer) -> None:
    team = await _team(server)
    made = await _assign(server, team, "Watch me")
    page = await _signed_in(new_page, server, team.member)
    await page.goto(f"/tasks/{made['id']}")
    watch = page.locator("#task-watch")
    await expect(watch).to_contain_text("You are watching this task")  # the assignee
    await watch.get_by_role("button", name="Unwatch").click()
    await expect(watch).to_contain_text("You are not watching this task")
    await page.reload()
    await expect(watch.get_by_role("button", name="Watch", exact=True)).to_be_visible()
    await assert_accessible(page)
    await page.goto(f"/notifications/watch/{made['id']}")  # the page of browsers without JS
    await expect(page.get_by_role("heading", name="Watching this task")).to_be_visible()
    await _shots(page, "watch")

    plain = await _signed_in(new_page, server, team.member, java_script_enabled=False)
    await plain.goto(f"/tasks/{made['id']}")
    await plain.get_by_role("link", name="Watch settings").click()
    await plain.wait_for_url(re.compile(rf".*/notifications/watch/{made['id']}$"))
    await plain.get_by_role("button", name="Watch", exact=True).click()
    await plain.wait_for_url(re.compile(rf".*/tasks/{made['id']}$"))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        state = await http.get(f"{API}/tasks/{made['id']}/watch", headers=team.member.headers)
    assert state.json()["watching"] is True
