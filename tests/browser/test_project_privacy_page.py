"""A project's settings page in a real browser, on both backends: an admin makes a project
private and lets a member in through the page; the member sees it only while in it; a
member reads the page without its forms; the "Private" badge beside the project's name in
the header and in the workspace's lists; accessible, at desktop and phone width, in light
and dark."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.support.browser import ARTIFACTS, LiveServer, assert_accessible, screenshot
from tests.support.web_sweeps import (
    BROWSER,
    Person,
    add_cookies,
    person,
    project,
    sign_in_http,
    task,
    workspace,
)

PageFactory = Callable[..., Awaitable[Any]]
API = "/api/v1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


async def _shots(page: Any, name: str) -> None:
    """Screenshots in light and dark at desktop and phone width; accessible, no overflow."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("", DESKTOP), ("-phone", PHONE)):
        await page.set_viewport_size(viewport)
        wide = await page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        offenders = await page.evaluate(
            "() => [...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
        )
        assert wide <= 0, f"{page.url} is {wide} px wider than the window: {offenders}"
        await assert_accessible(page)
        for scheme in ("light", "dark"):
            await page.emulate_media(color_scheme=scheme)
            await page.screenshot(
                path=str(ARTIFACTS / f"{name}{size}-{scheme}.png"), full_page=True
            )
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size(DESKTOP)


async def _signed_in(new_page: PageFactory, server: LiveServer, who: Person) -> Any:
    page = await new_page(viewport=DESKTOP)
    cookies, _ = await sign_in_http(server.base_url, who.email)
    await add_cookies(page, server.base_url, cookies)
    return page


async def _status(server: LiveServer, page: Any, path: str) -> int:
    """The status the page's own session gets for a page (no navigation)."""
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies=cookies, headers=BROWSER
    ) as http:
        return (await http.get(path)).status_code


async def test_an_admin_makes_a_project_private_and_lets_a_member_in(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Ada Lovelace")
        member = await person(http, "Grace Hopper")
        other = await person(http, "Alan Turing")
        workspace_id = await workspace(http, owner, "Analytical Engine")
        for who in (member, other):
            added = await http.post(
                f"{API}/workspaces/{workspace_id}/members",
                json={"email": who.email, "role": "member"},
                headers=owner.headers,
            )
            assert added.status_code == 201, added.text
        project_id = await project(http, owner, workspace_id, "Secret plans", "PLAN")
        await task(http, owner, project_id, title="Build the difference engine")
    settings = f"/projects/{project_id}/settings"
    admin = await _signed_in(new_page, server, owner)
    grace = await _signed_in(new_page, server, member)
    assert await _status(server, grace, f"/projects/{project_id}") == 200

    # From the project page to its settings, by the view switch.
    await admin.goto(f"/projects/{project_id}")
    await admin.get_by_role("navigation", name="Views").get_by_role("link", name="Settings").click()
    await admin.wait_for_url(re.compile(rf".*{settings}$"))
    assert await admin.locator(".page-head .private-badge").count() == 0
    visibility = admin.get_by_role("group", name="Visibility")
    assert await visibility.get_by_label("Everyone in the workspace").is_checked()
    assert "admins and owners" in await admin.locator("#visibility-help").inner_text()
    assert (
        "No project members yet"
        in await admin.get_by_role("region", name="Project members").inner_text()
    )
    await _shots(admin, "project-settings")

    # Private: the badge in the header, the notice, and nobody was added.
    await visibility.get_by_label("Private").check()
    await admin.get_by_role("button", name="Save visibility").click()
    await admin.wait_for_url(re.compile(rf".*{settings}\?saved=private$"))
    assert "only its members" in await admin.locator(".flash-ok").inner_text()
    assert await admin.locator(".page-head .private-badge").inner_text() == "Private"
    assert await admin.get_by_role("group", name="Visibility").get_by_label("Private").is_checked()
    assert await _status(server, grace, f"/projects/{project_id}") == 404
    assert await _status(server, grace, settings) == 404
    await grace.goto(f"/workspaces/{workspace_id}")
    assert "Secret plans" not in await grace.locator("main").inner_text()

    # Grace is let in through the page's select.
    choices = admin.get_by_label("Workspace member")
    options = await choices.locator("option").all_inner_texts()
    assert any("Grace Hopper" in option for option in options)
    assert any("Alan Turing" in option for option in options)
    await choices.select_option(label=next(o for o in options if "Grace Hopper" in o))
    await admin.get_by_role("button", name="Add to project").click()
    await admin.wait_for_url(re.compile(rf".*{settings}\?saved=added$"))
    listed = admin.get_by_role("region", name="Project members").locator("li")
    assert await listed.count() == 1
    assert "Grace Hopper" in await listed.first.inner_text()
    assert member.email in await listed.first.inner_text()
    options = await admin.get_by_label("Workspace member").locator("option").all_inner_texts()
    assert not any("Grace Hopper" in option for option in options)
    await _shots(admin, "project-settings-private")
    await admin.set_viewport_size({"width": 1100, "height": 760})
    await screenshot(admin, "project-privacy", docs=True)
    await admin.set_viewport_size(DESKTOP)

    # Grace sees the project, marked private, and its settings without their forms.
    await grace.goto(f"/projects/{project_id}")
    assert await grace.locator(".page-head .private-badge").inner_text() == "Private"
    assert "Build the difference engine" in await grace.locator("main").inner_text()
    await grace.goto(f"/workspaces/{workspace_id}")
    item = grace.locator("li.project-item").filter(has_text="Secret plans")
    assert "Private" in await item.inner_text()
    await assert_accessible(grace)
    await grace.goto(settings)
    assert await grace.get_by_role("button", name="Save visibility").count() == 0
    assert await grace.get_by_role("button", name=re.compile("^Remove")).count() == 0
    assert "Only the workspace's admins and owners" in await grace.locator("main").inner_text()
    await _shots(grace, "project-settings-member")
    # Alan, still outside, does not.
    alan = await _signed_in(new_page, server, other)
    assert await _status(server, alan, f"/projects/{project_id}") == 404

    # Removed again: Grace no longer sees it.
    row = admin.get_by_role("region", name="Project members").locator("li").first
    await row.get_by_role("button", name="Remove Grace Hopper from the project").click()
    await admin.wait_for_url(re.compile(rf".*{settings}\?saved=removed$"))
    assert (
        "No project members yet"
        in await admin.get_by_role("region", name="Project members").inner_text()
    )
    assert await _status(server, grace, f"/projects/{project_id}") == 404

    # Back to the whole workspace: everyone sees it again, without the badge.
    await (
        admin.get_by_role("group", name="Visibility")
        .get_by_label("Everyone in the workspace")
        .check()
    )
    await admin.get_by_role("button", name="Save visibility").click()
    await admin.wait_for_url(re.compile(rf".*{settings}\?saved=workspace$"))
    assert await admin.locator(".page-head .private-badge").count() == 0
    assert await _status(server, grace, f"/projects/{project_id}") == 200
    assert admin.js_errors == []
    assert grace.js_errors == []


async def test_the_workspace_lists_mark_private_projects(
    new_page: PageFactory, server: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        owner = await person(http, "Olive Owner")
        workspace_id = await workspace(http, owner, "Lists")
        await project(http, owner, workspace_id, "Open book", "OPEN")
        hidden = await project(http, owner, workspace_id, "Closed book", "SHUT")
        changed = await http.patch(
            f"{API}/projects/{hidden}", json={"visibility": "private"}, headers=owner.headers
        )
        assert changed.status_code == 200, changed.text
    page = await _signed_in(new_page, server, owner)
    await page.goto(f"/workspaces/{workspace_id}")
    items = page.locator("li.project-item")
    assert "Private" not in await items.filter(has_text="Open book").inner_text()
    assert "Private" in await items.filter(has_text="Closed book").inner_text()
    await _shots(page, "workspace-home-private-project")
    await page.goto(f"/workspaces/{workspace_id}/settings")
    rows = page.get_by_role("region", name="Projects").locator("li")
    assert "Private" in await rows.filter(has_text="Closed book").inner_text()
    assert "Private" not in await rows.filter(has_text="Open book").inner_text()
    link = rows.filter(has_text="Closed book").get_by_role(
        "link", name="Visibility and members of Closed book"
    )
    await link.click()
    await page.wait_for_url(re.compile(rf".*/projects/{hidden}/settings$"))
    await assert_accessible(page)
