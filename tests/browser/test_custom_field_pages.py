"""Custom field pages: an admin adds fields, a member edits a task's values on its page,
and the project list filters and sorts by a field."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import LiveServer, assert_accessible
from tests.support.web_tasks import api, new_task, open_as, read_task, setup


async def test_fields_are_managed_and_edited_on_the_task_page(
    page: Any, server: LiveServer
) -> None:
    base = server.base_url
    s = await setup(base)
    await open_as(page, s.owner, f"/workspaces/{s.workspace_id}/fields")
    await page.get_by_label("Name", exact=True).fill("Points")
    await page.get_by_label("Type", exact=True).select_option("number")
    await page.get_by_role("button", name="Add field").click()
    await expect(page.locator("[data-fields]")).to_contain_text("Points")
    await page.get_by_label("Name", exact=True).fill("Stage")
    await page.get_by_label("Type", exact=True).select_option("select")
    await page.get_by_label("Options (select and multi select: one per line)").fill("Draft\nReady")
    await page.get_by_role("button", name="Add field").click()
    await expect(page.locator("[data-fields]")).to_contain_text("Draft, Ready")
    await assert_accessible(page)

    task = await new_task(base, s.owner, s.project_id, title="Estimate me")
    other = await new_task(base, s.owner, s.project_id, title="Small one")
    await page.goto(f"{base}/tasks/{task['id']}")
    section = page.locator("#task-fields")
    await section.get_by_label("Points", exact=True).fill("8")
    await section.get_by_label("Stage", exact=True).select_option(label="Ready")
    await section.get_by_role("button", name="Save fields").click()
    await expect(page.locator("#task-fields").get_by_label("Points", exact=True)).to_have_value("8")
    saved = await read_task(base, s.owner, task["id"])
    async with httpx.AsyncClient(base_url=base) as http:
        fields = (await api(http, s.owner, "GET", f"/workspaces/{s.workspace_id}/fields"))["items"]
        points, stage = fields[0], fields[1]
        await api(http, s.owner, "PATCH", f"/tasks/{other['id']}", fields={points["id"]: 2})
    assert saved["fields"] == {points["id"]: 8, stage["id"]: stage["options"][1]["id"]}
    await expect(page.locator("#task-fields").get_by_label("Stage", exact=True)).to_have_value(
        stage["options"][1]["id"]
    )

    # The list sorts by the field (highest first) and filters by an option.
    await page.goto(f"{base}/projects/{s.project_id}?sort=-field.{points['id']}")
    titles = page.locator("#task-list").get_by_role("link", name="Estimate me")
    await expect(titles).to_have_count(1)
    listed = await page.locator("#task-list li").all_inner_texts()
    assert "Estimate me" in listed[0]
    assert "Small one" in listed[1]
    await page.goto(f"{base}/projects/{s.project_id}?cf={stage['id']}&cf_value=ready")
    await expect(page.locator("#task-list")).to_contain_text("Estimate me")
    await expect(page.locator("#task-list")).not_to_contain_text("Small one")
