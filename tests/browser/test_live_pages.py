"""Live pages: two people of one workspace in two browser contexts; what one changes through
the API shows on the other's board and task page without a reload, and the analysis panel
fills in on `analysis.completed` instead of polling."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, screenshot
from tests.support.web_tasks import api, new_task, open_as, setup

WAIT = 20_000  # ms: the stream is fast, the machine is shared


async def _live(page: Any) -> None:
    """Wait until the page's event streams are open."""
    await expect(page.locator("body")).to_have_attribute("data-live-state", "open", timeout=WAIT)


async def test_the_board_follows_a_teammates_changes(new_page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    moving = await new_task(base, s.owner, s.project_id, title="Write the migration")
    doomed = await new_task(base, s.owner, s.project_id, title="Old idea")
    grace = await new_page(viewport={"width": 1280, "height": 900})
    await open_as(grace, s.member, f"/projects/{s.project_id}/board")
    await _live(grace)
    todo = grace.locator("#column-todo")
    in_progress = grace.locator("#column-in_progress")
    await expect(todo).to_contain_text("Write the migration")
    await grace.evaluate("window.notReloaded = true")

    async with httpx.AsyncClient(base_url=base) as http:
        await api(http, s.owner, "PATCH", f"/tasks/{moving['id']}", status="in_progress")
        await expect(in_progress).to_contain_text("Write the migration", timeout=WAIT)
        await expect(todo).not_to_contain_text("Write the migration")
        created = await new_task(base, s.owner, s.project_id, title="Brand new from Ada")
        await expect(todo).to_contain_text("Brand new from Ada", timeout=WAIT)
        await api(http, s.owner, "DELETE", f"/tasks/{doomed['id']}")
        await expect(todo).not_to_contain_text("Old idea", timeout=WAIT)
    await expect(grace.locator("[data-count-for='in_progress']").first).to_have_text("1")
    await expect(grace.locator(f".task-card[data-task-id='{created['id']}']")).to_have_count(1)
    assert await grace.evaluate("window.notReloaded === true")
    # The refreshed board still moves cards (its handlers survived the refresh).
    card = grace.locator(f".task-card[data-task-id='{created['id']}']")
    await card.get_by_role("link", name="Move").click()
    await grace.get_by_label("Move WEB-3 to").select_option(label="Done")
    await grace.locator("#move-menu").get_by_role("button", name="Move").click()
    await expect(grace.locator("#column-done")).to_contain_text("Brand new from Ada")
    await screenshot(grace, "live-board")
    assert grace.js_errors == []


async def test_the_task_page_follows_a_teammates_changes(new_page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Plan the launch")
    grace = await new_page(viewport={"width": 1280, "height": 1000})
    await open_as(grace, s.member, f"/tasks/{task['id']}")
    await _live(grace)
    await grace.evaluate("window.notReloaded = true")

    async with httpx.AsyncClient(base_url=base) as http:
        await api(
            http, s.owner, "PATCH", f"/tasks/{task['id']}", title="Plan the big launch",
            priority="urgent",
        )  # fmt: skip
        await expect(grace.locator("#task-title")).to_have_text("Plan the big launch", timeout=WAIT)
        await expect(grace.locator("#task-badges")).to_contain_text("Urgent")
        await expect(grace.locator("#task-activity")).to_contain_text("Ada Lovelace")
        await api(http, s.owner, "POST", f"/tasks/{task['id']}/comments", body="Ship it Friday?")
        await expect(grace.locator("#task-comments")).to_contain_text(
            "Ship it Friday?", timeout=WAIT
        )
        # Typing a comment holds the refresh back: what Grace types is never lost.
        box = grace.locator("#comment-body")
        await box.fill("My half-written answer")
        await api(http, s.owner, "POST", f"/tasks/{task['id']}/comments", body="Or Monday.")
        await grace.wait_for_timeout(1500)  # the event has come by now; the box is kept
        await expect(box).to_have_value("My half-written answer")
        await expect(grace.locator("#task-comments")).not_to_contain_text("Or Monday.")
        await grace.get_by_role("button", name="Comment", exact=True).click()
        comments = grace.locator("#task-comments")
        await expect(comments).to_contain_text("My half-written answer", timeout=WAIT)
        await expect(comments).to_contain_text("Or Monday.")
        await screenshot(grace, "live-task-page")
        await api(http, s.owner, "DELETE", f"/tasks/{task['id']}")
        notice = grace.locator("#task-gone")
        await expect(notice).to_be_visible(timeout=WAIT)
        await expect(notice).to_contain_text("deleted")
    assert await grace.evaluate("window.notReloaded === true")
    await screenshot(grace, "live-task-deleted")
    assert grace.js_errors == []


async def test_ones_own_change_does_not_redraw_the_page_that_made_it(
    new_page: Any, server: LiveServer
) -> None:
    """The echo of a change this page sent is not delivered to it (the answer already drew
    it: a refresh could close the comment editor opened meanwhile); the person's other tab
    still follows it live."""
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Echoes")
    here = await new_page(viewport={"width": 1280, "height": 1000})
    other_tab = await new_page(viewport={"width": 1280, "height": 1000})
    for page in (here, other_tab):
        await open_as(page, s.member, f"/tasks/{task['id']}")
        await _live(page)
    await here.evaluate(
        "window.liveRefreshes = 0;"
        "document.addEventListener('live', () => window.liveRefreshes++, true)"
    )
    await here.get_by_label("Add a comment (Markdown)", exact=True).fill("Mine, just now")
    await here.get_by_role("button", name="Comment", exact=True).click()
    comments = here.locator("#task-comments .comment")
    await expect(comments).to_have_count(1)
    await comments.nth(0).get_by_role("link", name="Edit your comment").click()
    editor = here.get_by_label("Edit comment (Markdown)")
    await expect(editor).to_be_visible()
    # The other tab of the same person receives the event and shows the comment.
    await expect(other_tab.locator("#task-comments")).to_contain_text(
        "Mine, just now", timeout=WAIT
    )
    await here.wait_for_timeout(500)  # the event reached this page as well: it was held back
    await expect(editor).to_be_visible()
    assert await here.evaluate("window.liveRefreshes") == 0
    assert here.js_errors == []
    assert other_tab.js_errors == []


async def test_the_analysis_panel_updates_without_polling(
    new_page: Any, server: LiveServer
) -> None:
    base = server.base_url
    s = await setup(base)
    description = "Customers sign in with a magic link.\n\n- Write the token table\n- Send mail\n"
    task = await new_task(
        base, s.owner, s.project_id, title="Passwordless sign-in", description=description
    )
    ada = await new_page(viewport={"width": 1280, "height": 900})
    asked: list[str] = []
    ada.on("request", lambda request: asked.append(request.url))
    await open_as(ada, s.owner, f"/tasks/{task['id']}")
    await _live(ada)
    panel = ada.locator("#task-analysis")
    await ada.get_by_role("button", name="Analyze", exact=True).click()
    await expect(ada.get_by_role("heading", name="AI analysis", exact=True)).to_be_visible(
        timeout=WAIT
    )
    await expect(panel).to_contain_text("Suggested subtasks")
    # Polling asked every second; the live panel asks only when the event came (or once
    # more when it joined just after the event).
    parts = [url for url in asked if url.endswith("/part/analysis")]
    assert len(parts) <= 2, parts
    await ada.wait_for_timeout(1500)  # a poll would have asked again by now
    assert [url for url in asked if url.endswith("/part/analysis")] == parts
    await expect(panel).not_to_have_attribute("hx-trigger", "load delay:1s")

    # Grace watches the same task while Ada asks again through the API: her panel, not
    # open when her page was drawn, shows the result once she reloads; while open, it
    # follows the event.
    grace = await new_page(viewport={"width": 1280, "height": 900})
    await open_as(grace, s.member, f"/tasks/{task['id']}")
    await _live(grace)
    async with httpx.AsyncClient(base_url=base) as http:
        await api(http, s.owner, "PATCH", f"/tasks/{task['id']}", title="Passwordless sign-in v2")
        await expect(grace.locator("#task-title")).to_have_text(
            "Passwordless sign-in v2", timeout=WAIT
        )
    assert ada.js_errors == []
    assert grace.js_errors == []
