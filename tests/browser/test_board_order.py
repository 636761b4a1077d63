"""The board in rank order: a card dragged between two cards stays there after a reload, and
the workflow states page adds, renames, reorders and deletes the board's columns."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.browser import PASSWORD, LiveServer, assert_accessible, register, screenshot
from tests.support.web_projects import Project, add_task, api_headers, new_project


async def _project(page: Any, server: LiveServer) -> Project:
    email = await register(page)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return await new_project(http, await api_headers(http, email, PASSWORD))


async def _titles(page: Any, where: str) -> list[str]:
    return [t.strip() for t in await page.locator(f"{where} .task-title").all_inner_texts()]


async def _api_order(server: LiveServer, project: Project, status: str) -> list[str]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        found = await http.get(
            f"/api/v1/projects/{project.project_id}/tasks",
            params={"sort": "rank", "status": status},
            headers=project.headers,
        )
    return [task["title"] for task in found.json()["items"]]


async def test_a_card_dragged_between_two_cards_stays_there(page: Any, server: LiveServer) -> None:
    project = await _project(page, server)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        cards = [await add_task(http, project, title=t) for t in ("One", "Two", "Three", "Four")]
        doing = await add_task(http, project, title="Doing", status="in_progress")
    await page.goto(f"/projects/{project.project_id}/board")
    await page.wait_for_selector("[data-board][data-ready]")
    assert await _titles(page, "#column-todo") == ["One", "Two", "Three", "Four"]

    # Four goes between One and Two: dropped on the upper half of Two.
    four, two = page.locator(f"#task-{cards[3]['id']}"), page.locator(f"#task-{cards[1]['id']}")
    box = await two.bounding_box()
    assert box is not None
    await four.locator(".drag-handle").drag_to(two, target_position={"x": box["width"] / 2, "y": 4})
    await page.wait_for_selector(f"#column-todo #task-{cards[3]['id']}:not([aria-busy])")
    assert await _api_order(server, project, "todo") == ["One", "Four", "Two", "Three"]

    # Into another column, between nothing and Doing: it goes first there.
    one = page.locator(f"#task-{cards[0]['id']}")
    target = page.locator(f"#task-{doing['id']}")
    await one.locator(".drag-handle").drag_to(target, target_position={"x": 20, "y": 4})
    await page.wait_for_selector(f"#column-in_progress #task-{cards[0]['id']}:not([aria-busy])")
    assert await _api_order(server, project, "in_progress") == ["One", "Doing"]

    # Keyboard: m, down once, Enter: Four goes after Two.
    await page.locator(f"#task-{cards[3]['id']}").focus()
    await page.keyboard.press("m")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        "() => document.getElementById('board-live').textContent.startsWith('Moved')"
    )
    await page.wait_for_selector(f"#task-{cards[3]['id']}:not([aria-busy])")

    await page.reload()
    assert await _titles(page, "#column-todo") == ["Two", "Four", "Three"]
    assert await _titles(page, "#column-in_progress") == ["One", "Doing"]
    assert await page.locator("#column-todo-title [data-count-for]").inner_text() == "3"
    await assert_accessible(page)


async def test_the_states_page_manages_the_boards_columns(page: Any, server: LiveServer) -> None:
    project = await _project(page, server)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        task = await add_task(http, project, title="Waiting", status="in_progress")
    await page.goto(f"/projects/{project.project_id}/states")
    names = page.locator(".state-name")
    assert [n.strip() for n in await names.all_inner_texts()] == [
        "■ To do", "■ In progress", "■ Done", "■ Cancelled"
    ]  # fmt: skip
    await assert_accessible(page)

    # Add "Review" (in progress), refuse a duplicate name, then move it up and rename it.
    await page.get_by_label("Name", exact=True).last.fill("Review")
    await page.locator("#new-state-category").select_option("in_progress")
    await page.get_by_role("button", name="Add state").click()
    await page.wait_for_selector("text=Saved.")
    await page.locator("#new-state-name").fill("review")
    await page.get_by_role("button", name="Add state").click()
    assert "already has a state named" in await page.locator("[role=alert]").inner_text()
    for _ in range(3):  # from last to second
        async with page.expect_navigation():
            await page.get_by_role("button", name="Move up Review").click()
    review = page.locator(".state-item").nth(1)
    await review.get_by_label("Name").fill("Code review")
    await review.get_by_label("Colour").fill("#d97706")
    await review.get_by_role("button", name="Save").click()
    await page.wait_for_selector("text=Saved.")
    assert [n.strip() for n in await names.all_inner_texts()] == [
        "■ To do", "■ Code review", "■ In progress", "■ Done", "■ Cancelled"
    ]  # fmt: skip
    swatches = page.locator(".state-swatch")
    assert await swatches.evaluate_all("all => all.map(s => getComputedStyle(s).color)") == [
        "rgb(107, 114, 128)", "rgb(217, 119, 6)", "rgb(37, 99, 235)", "rgb(22, 163, 74)",
        "rgb(156, 163, 175)",
    ]  # fmt: skip

    # The board shows it as a column, in that order, each topped by its state's colour.
    await page.goto(f"/projects/{project.project_id}/board")
    headings = await page.locator(".board-column h2 > span:first-child").all_inner_texts()
    assert headings == ["To do", "Code review", "In progress", "Done", "Cancelled"]
    tops = await page.locator(".board-column").evaluate_all(
        "all => all.map(c => getComputedStyle(c).borderTopColor)"
    )
    assert tops[1] == "rgb(217, 119, 6)"

    # Deleting "In progress" moves its task to "Code review".
    await page.goto(f"/projects/{project.project_id}/states")
    doing = page.locator(".state-item").nth(2)
    await doing.get_by_label("Move its tasks to").select_option(label="Code review")
    await doing.get_by_role("button", name="Delete").click()
    await page.wait_for_selector("text=Saved.")
    assert [n.strip() for n in await names.all_inner_texts()] == [
        "■ To do", "■ Code review", "■ Done", "■ Cancelled"
    ]  # fmt: skip
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        moved = await http.get(f"/api/v1/tasks/{task['id']}", headers=project.headers)
    assert moved.json()["state"]["name"] == "Code review"
    assert moved.json()["status"] == "in_progress"
    # The last state of a category has no delete button.
    assert (
        await page.locator(".state-item").nth(1).get_by_role("button", name="Delete").count() == 0
    )
    await assert_accessible(page)

    # With "Testing" added, "Code review" can go too: into "Done", another category, which
    # completes its task. The choices list its own category first and say which change status.
    await page.locator("#new-state-name").fill("Testing")
    await page.locator("#new-state-category").select_option("in_progress")
    await page.get_by_role("button", name="Add state").click()
    await page.wait_for_selector("text=Saved.")
    review = page.locator(".state-item").nth(1)
    groups = await review.locator("optgroup").evaluate_all("all => all.map(g => g.label)")
    assert groups == [
        "In progress", "To do (status changes)", "Done (status changes)",
        "Cancelled (status changes)",
    ]  # fmt: skip
    await review.get_by_label("Move its tasks to").select_option(label="Done")
    await screenshot(page, "states-delete-across")
    await review.get_by_role("button", name="Delete").click()
    await page.wait_for_selector("text=Saved.")
    assert [n.strip() for n in await names.all_inner_texts()] == [
        "■ To do", "■ Done", "■ Cancelled", "■ Testing"
    ]  # fmt: skip
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        done = (await http.get(f"/api/v1/tasks/{task['id']}", headers=project.headers)).json()
    assert (done["status"], done["state"]["name"]) == ("done", "Done")
    assert done["completed_at"] is not None
