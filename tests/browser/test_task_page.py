"""The task page: a member edits every field in place, with and without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible, screenshot
from tests.support.web_tasks import api, new_task, open_as, read_task, setup


async def test_a_member_edits_everything_in_place(page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    other = await new_task(base, s.owner, s.project_id, title="Design the sign-in API")
    task = await new_task(base, s.owner, s.project_id, title="Ship the sign-in page")
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    await expect(crumbs.get_by_role("link")).to_have_text(["Acme", "Website", "WEB-2"])
    await page.evaluate("window.notReloaded = true")

    await page.get_by_role("link", name="Edit title").click()
    await expect(page.get_by_label("Title", exact=True)).to_be_focused()
    await assert_accessible(page)
    await page.get_by_label("Title", exact=True).fill("Ship the new sign-in page")
    await page.get_by_role("button", name="Save title").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ship the new sign-in page")

    await page.get_by_label("Status", exact=True).select_option(label="In progress")
    await page.get_by_label("Priority", exact=True).select_option("high")
    await page.get_by_label("Assignee", exact=True).select_option(label="Grace Hopper")
    await page.get_by_label("Due date", exact=True).fill("2031-05-20")
    await page.get_by_label("Estimate (minutes)", exact=True).fill("90")
    await page.get_by_label("Labels", exact=True).fill("frontend, Auth")
    await page.get_by_role("button", name="Save details").click()
    header = page.locator("#task-header")
    await expect(header).to_contain_text("In progress")
    await expect(header).to_contain_text("Priority: High")
    activity = page.locator("#task-activity")
    await expect(activity).to_contain_text("assigned it to Grace Hopper")
    await expect(activity).to_contain_text("changed the status from To do to In progress")

    await page.get_by_role("link", name="Edit description").click()
    description = page.get_by_label("Description (Markdown)", exact=True)
    await description.fill("Needs **careful** review.\n\n- [x] Write the tests\n- [ ] Deploy")
    await page.get_by_role("button", name="Save description").click()
    shown = page.locator("#task-description")
    await expect(shown.locator("strong")).to_have_text("careful")
    await expect(shown.locator("li")).to_have_count(2)
    # A task list: disabled checkboxes, the first one ticked.
    boxes = shown.locator("input[type=checkbox]")
    assert await boxes.evaluate_all("all => all.map(b => [b.checked, b.disabled])") == [
        [True, True],
        [False, True],
    ]

    await page.get_by_label("Add a comment (Markdown)", exact=True).fill("Looks **great** to me")
    await page.get_by_role("button", name="Comment", exact=True).click()
    await expect(page.locator("#task-comments .markdown strong")).to_have_text("great")
    await expect(page.get_by_label("Add a comment (Markdown)", exact=True)).to_have_value("")

    await page.get_by_label("New subtask", exact=True).fill("Write the docs")
    await page.get_by_role("button", name="Add subtask").click()
    await expect(page.locator("#task-subtasks")).to_contain_text("Write the docs")

    dependency = page.get_by_label("Add a dependency (task key or id)", exact=True)
    await dependency.fill(other["key"])
    await page.get_by_role("button", name="Add dependency").click()
    await expect(page.locator("#task-dependencies")).to_contain_text("Design the sign-in API")
    await page.get_by_role("button", name=f"Remove the dependency on {other['key']}").click()
    await expect(page.locator("#task-dependencies")).to_contain_text("depends on no other task")
    await dependency.fill(other["id"])
    await page.get_by_role("button", name="Add dependency").click()
    await expect(page.locator("#task-dependencies")).to_contain_text(other["key"])

    assert await page.evaluate("window.notReloaded === true")
    saved = await read_task(base, s.owner, task["id"])
    assert saved["title"] == "Ship the new sign-in page"
    assert (saved["status"], saved["priority"]) == ("in_progress", "high")
    assert saved["assignee_id"] == s.member.id
    assert saved["due_at"].startswith("2031-05-20")
    assert saved["estimate_minutes"] == 90
    assert sorted(saved["labels"]) == ["Auth", "frontend"]
    assert saved["description"].startswith("Needs **careful** review.")
    assert saved["depends_on"] == [other["id"]]
    await assert_accessible(page)
    assert page.js_errors == []


async def test_a_refused_value_is_said_beside_its_field(page: Any, server: LiveServer) -> None:
    s = await setup(server.base_url)
    task = await new_task(server.base_url, s.owner, s.project_id, title="Plan")
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    await page.get_by_label("Labels", exact=True).fill("x" * 60)
    await page.get_by_role("button", name="Save details").click()
    labels = page.get_by_label("Labels", exact=True)
    await expect(labels).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#labels-error")).to_contain_text("50 characters")
    await page.get_by_label("Add a dependency (task key or id)", exact=True).fill("WEB-99")
    await page.get_by_role("button", name="Add dependency").click()
    await expect(page.locator("#depends-on-error")).to_contain_text("same workspace")
    await assert_accessible(page)


async def test_the_status_is_picked_among_the_projects_states(
    page: Any, server: LiveServer
) -> None:
    base = server.base_url
    s = await setup(base)
    async with httpx.AsyncClient(base_url=base) as http:
        review = await api(
            http,
            s.owner,
            "POST",
            f"/projects/{s.project_id}/states",
            name="Review",
            category="in_progress",
        )
        other = await api(http, s.owner, "POST", f"/workspaces/{s.workspace_id}/projects",
                          name="Other", key="OTH")  # fmt: skip
        elsewhere = (await api(http, s.owner, "GET", f"/projects/{other['id']}/states"))["items"]
    task = await new_task(base, s.member, s.project_id, title="Check the copy")
    await open_as(page, s.member, f"/tasks/{task['id']}")
    status = page.get_by_label("Status", exact=True)
    groups = await status.locator("optgroup").evaluate_all(
        "all => all.map(g => [g.label, [...g.children].map(o => o.textContent)])"
    )
    assert groups == [
        ["To do", ["To do"]], ["In progress", ["In progress", "Review"]], ["Done", ["Done"]],
        ["Cancelled", ["Cancelled"]],
    ]  # fmt: skip
    await status.select_option(label="Review")
    await page.get_by_role("button", name="Save details").click()
    await expect(page.locator("#task-badges")).to_contain_text("Review · In progress")
    saved = await read_task(base, s.member, task["id"])
    assert (saved["state"]["id"], saved["status"]) == (review["id"], "in_progress")
    await expect(status).to_have_value(review["id"])
    await assert_accessible(page)

    # A forged state of another project is refused beside the field, and nothing changes.
    await status.evaluate(
        "(select, id) => { select.options[0].value = id; select.selectedIndex = 0; }",
        elsewhere[0]["id"],
    )
    await page.get_by_role("button", name="Save details").click()
    await expect(page.locator("#state_id-error")).to_be_visible()
    assert (await read_task(base, s.member, task["id"]))["state"]["id"] == review["id"]


async def test_a_stale_edit_says_the_task_changed_meanwhile(page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Old title")
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    # The owner is editing when the member's change lands: the live refresh waits for them
    # (static/live.js), so their save carries the version they started from. (A change that
    # lands before they start is simply shown: tests/browser/test_live_pages.py.)
    await page.get_by_label("Priority", exact=True).select_option("urgent")
    async with httpx.AsyncClient(base_url=base) as http:
        await api(http, s.member, "PATCH", f"/tasks/{task['id']}", title="Their title")
    await page.get_by_role("button", name="Save details").click()
    alert = page.locator("#task-details [role=alert]")
    await expect(alert).to_contain_text("changed meanwhile")
    await assert_accessible(page)
    assert (await read_task(base, s.owner, task["id"]))["priority"] == "none"
    await expect(page.get_by_label("Priority", exact=True)).to_have_value("urgent")
    await page.get_by_role("button", name="Save details").click()
    await expect(page.locator("#task-header")).to_contain_text("Priority: Urgent")
    saved = await read_task(base, s.owner, task["id"])
    assert (saved["title"], saved["priority"]) == ("Their title", "urgent")
    # A save from one form updates the version the page's other forms send.
    await page.get_by_role("link", name="Edit title").click()
    await page.get_by_label("Title", exact=True).fill("Our title")
    await page.get_by_role("button", name="Save title").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Our title")
    await page.get_by_label("Status", exact=True).select_option(label="Done")
    await page.get_by_role("button", name="Save details").click()
    await expect(page.locator("#task-header")).to_contain_text("Done")
    await expect(page.locator("#task-details [role=alert]")).to_have_count(0)


async def test_everything_works_without_javascript(new_page: Any, server: LiveServer) -> None:
    page = await new_page(java_script_enabled=False)
    s = await setup(server.base_url)
    task = await new_task(server.base_url, s.owner, s.project_id, title="No script")
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    await page.get_by_role("link", name="Edit title").click()
    await page.wait_for_url(re.compile(r".*/edit$"))
    await page.get_by_label("Title", exact=True).fill("Still works")
    await page.get_by_label("Description (Markdown)", exact=True).fill("A *plain* form")
    await page.get_by_label("Status", exact=True).select_option(label="In progress")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_url(re.compile(rf".*/tasks/{task['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Still works")
    await expect(page.locator("#task-description em")).to_have_text("plain")
    await page.get_by_label("Add a comment (Markdown)", exact=True).fill("Without **script**")
    await page.get_by_role("button", name="Comment", exact=True).click()
    await expect(page.locator("#task-comments .markdown strong")).to_have_text("script")
    await page.get_by_label("New subtask", exact=True).fill("A child")
    await page.get_by_role("button", name="Add subtask").click()
    await expect(page.locator("#task-subtasks")).to_contain_text("A child")


async def test_the_page_is_usable_at_phone_width(new_page: Any, server: LiveServer) -> None:
    page = await new_page(viewport={"width": 375, "height": 800})
    s = await setup(server.base_url)
    task = await new_task(
        server.base_url,
        s.owner,
        s.project_id,
        title="A rather long title for a task that has to wrap on a phone",
        description="Some **Markdown** text.",
        due_at="2030-03-01T10:00:00Z",
        labels=["mobile"],
    )
    await open_as(page, s.owner, f"/tasks/{task['id']}")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    await screenshot(page, "task-page-phone")
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, "task-page-phone-dark")
    await assert_accessible(page)


async def test_comments_are_edited_by_their_author_and_deleted(
    new_page: Any, server: LiveServer
) -> None:
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Discuss")
    async with httpx.AsyncClient(base_url=base) as http:
        await api(http, s.owner, "POST", f"/tasks/{task['id']}/comments", body="The owner's *view*")
    page = await new_page()
    await open_as(page, s.member, f"/tasks/{task['id']}")
    await page.get_by_label("Add a comment (Markdown)", exact=True).fill("First **draft**")
    await page.get_by_role("button", name="Comment", exact=True).click()
    comments = page.locator("#task-comments .comment")
    await expect(comments).to_have_count(2)
    # Only one's own comment has Edit and Delete (a member is no admin).
    await expect(comments.nth(0).get_by_role("button", name=re.compile("Delete"))).to_have_count(0)
    await comments.nth(1).get_by_role("link", name=re.compile("Edit your comment")).click()
    editor = page.get_by_label("Edit comment (Markdown)")
    await expect(editor).to_have_value("First **draft**")
    await editor.fill("Final **text**")
    await page.get_by_role("button", name="Save comment").click()
    await expect(comments.nth(1).locator(".markdown strong")).to_have_text("text")
    await expect(comments.nth(1)).to_contain_text("edited")
    await assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.accept())
    await comments.nth(1).get_by_role("button", name=re.compile("Delete")).click()
    await expect(comments).to_have_count(1)

    owner = await new_page()
    await open_as(owner, s.owner, f"/tasks/{task['id']}")
    mine = owner.locator("#task-comments .comment")
    await expect(mine.get_by_role("link", name=re.compile("Edit your comment"))).to_have_count(1)
    async with httpx.AsyncClient(base_url=base) as http:
        listed = await api(http, s.owner, "GET", f"/tasks/{task['id']}/comments")
    assert [c["body"] for c in listed["items"]] == ["The owner's *view*"]


async def test_long_comment_threads_and_trails_load_more(new_page: Any, server: LiveServer) -> None:
    base = server.base_url
    s = await setup(base)
    task = await new_task(base, s.owner, s.project_id, title="Talkative")
    async with httpx.AsyncClient(base_url=base) as http:
        for i in range(52):
            await api(http, s.owner, "POST", f"/tasks/{task['id']}/comments", body=f"Note {i}")
    page = await new_page()
    await open_as(page, s.member, f"/tasks/{task['id']}")
    comments = page.locator("#task-comments .comment")
    await expect(comments).to_have_count(50)
    await expect(comments.nth(49)).to_contain_text("Note 51")  # the latest, last
    await page.get_by_role("link", name="Load earlier comments").click()
    await expect(comments).to_have_count(52)
    await expect(comments.nth(0)).to_contain_text("Note 0")
    await expect(comments.nth(0)).to_be_focused()  # the first that came in
    await expect(page.get_by_role("link", name="Load earlier comments")).to_have_count(0)
    await expect(page.locator("#flash")).to_contain_text("2 earlier comments shown.")
    await assert_accessible(page)
    assert page.js_errors == []
