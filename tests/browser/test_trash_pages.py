"""The list view's bulk-edit bar and the workspace's Trash page, in a real browser."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.browser import PASSWORD, LiveServer, assert_accessible, register
from tests.support.web_projects import Project, add_task, api_headers, new_project


async def _project(page: Any, server: LiveServer) -> Project:
    """A person signed in through /register, owning a workspace and project (via the API)."""
    email = await register(page)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return await new_project(http, await api_headers(http, email, PASSWORD))


async def _task(server: LiveServer, project: Project, task_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return await http.get(f"/api/v1/tasks/{task_id}", headers=project.headers)


async def _pick(page: Any, *keys: str) -> None:
    for key in keys:
        await page.get_by_label(f"Select {key}").check()


async def test_the_bulk_bar_changes_the_checked_tasks_all_or_nothing(
    page: Any, server: LiveServer
) -> None:
    project = await _project(page, server)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        tasks = [await add_task(http, project, title=f"Chore {n}") for n in range(3)]
    await page.goto(f"/projects/{project.project_id}")
    await _pick(page, "WEB-1", "WEB-2")
    assert await page.locator("[data-bulk-count]").inner_text() == "(2 checked)"
    await page.get_by_label("Set status").select_option(label="In progress")
    await page.get_by_label("Set labels").fill("q4, ui")
    await page.get_by_role("button", name="Update checked tasks").click()
    await page.wait_for_selector("[data-bulk-notice]")
    for task, status in zip(tasks, ("in_progress", "in_progress", "todo"), strict=True):
        body = (await _task(server, project, task["id"])).json()
        assert body["status"] == status
        assert sorted(body["labels"]) == (["q4", "ui"] if status != "todo" else [])
    await assert_accessible(page)

    # One of the checked tasks is deleted meanwhile: the whole change is refused.
    await page.goto(f"/projects/{project.project_id}")
    await _pick(page, "WEB-1", "WEB-3")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        gone = await http.delete(f"/api/v1/tasks/{tasks[2]['id']}", headers=project.headers)
        assert gone.status_code == 204
    await page.get_by_label("Set priority").select_option("urgent")
    await page.get_by_role("button", name="Update checked tasks").click()
    error = page.locator("[data-bulk-error]")
    await error.wait_for()
    assert "Nothing was changed" in await error.inner_text()
    assert (await _task(server, project, tasks[0]["id"])).json()["priority"] == "none"


async def test_trash_page_restores_and_deletes_for_good(page: Any, server: LiveServer) -> None:
    project = await _project(page, server)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        kept = await add_task(http, project, title="Keep me")
        binned = await add_task(http, project, title="Bin me")
        doomed = await add_task(http, project, title="Gone for good")
    await page.goto(f"/projects/{project.project_id}")
    await _pick(page, "WEB-2", "WEB-3")
    await page.get_by_role("button", name="Move checked to trash").click()
    await page.wait_for_selector("[data-bulk-notice]")
    titles = await page.locator("#task-list .task-title").all_inner_texts()
    assert [t.strip() for t in titles] == ["Keep me"]
    assert (await _task(server, project, binned["id"])).status_code == 404

    await page.goto(f"/workspaces/{project.workspace_id}")
    await (
        page.get_by_role("navigation", name="Workspace pages")
        .get_by_role("link", name="Trash")
        .click()
    )
    await page.wait_for_selector("[data-trash]")
    assert await page.locator("[data-trash-item]").count() == 2
    await assert_accessible(page)
    await page.get_by_role("button", name="Restore WEB-2").click()
    await page.wait_for_selector("[data-trash-notice]")
    assert await page.locator("[data-trash-item]").count() == 1
    restored = (await _task(server, project, binned["id"])).json()
    assert (restored["key"], restored["title"]) == ("WEB-2", "Bin me")
    await page.get_by_role("button", name="Delete forever WEB-3").click()
    await page.wait_for_selector("[data-trash-empty]")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        again = await http.post(f"/api/v1/tasks/{doomed['id']}/restore", headers=project.headers)
    assert again.status_code == 404
    assert (await _task(server, project, kept["id"])).status_code == 200
