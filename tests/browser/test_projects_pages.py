"""A project's list and board, and My tasks, in a real browser on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import expect

from tests.support.browser import (
    PASSWORD,
    LiveServer,
    assert_accessible,
    register,
    screenshot,
)
from tests.support.web_projects import Project, add_member, add_task, api_headers, new_project

PageFactory = Any


async def _project(page: Any, server: LiveServer, **names: str) -> tuple[str, Project]:
    """A person signed in through /register, owning a workspace and project (via the API)."""
    email = await register(page)
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        project = await new_project(http, await api_headers(http, email, PASSWORD), **names)
    return email, project


async def _tasks(server: LiveServer, project: Project, *specs: dict[str, Any]) -> list[str]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return [(await add_task(http, project, **spec))["id"] for spec in specs]


async def _status(server: LiveServer, project: Project, task_id: str) -> str:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        task = await http.get(f"/api/v1/tasks/{task_id}", headers=project.headers)
    return str(task.json()["status"])


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _titles(page: Any, where: str = "#task-list") -> list[str]:
    return [t.strip() for t in await page.locator(f"{where} .task-title").all_inner_texts()]


async def _csrf(page: Any) -> str:
    headers = await page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))")
    return str(headers["X-CSRF-Token"])


async def test_list_quick_create_search_filter_and_load_more(page: Any, server: LiveServer) -> None:
    _, project = await _project(page, server)
    await page.goto(f"/projects/{project.project_id}")
    assert await page.get_by_role("heading", name="Website").is_visible()
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumbs")
    assert await breadcrumbs.get_by_role("link", name="Acme").get_attribute("href") == (
        f"/workspaces/{project.workspace_id}"
    )
    assert "No tasks yet" in await page.locator("[data-empty-state]").inner_text()
    await assert_accessible(page)

    # Quick create: the card comes first, the field empties and keeps the focus.
    await page.keyboard.press("c")
    title = page.get_by_label("Title")
    assert await title.evaluate("el => el === document.activeElement")
    await title.fill("Write the launch post")
    await page.get_by_role("button", name="Create task").click()
    await page.wait_for_selector("#task-list .task-card")
    assert await _titles(page) == ["Write the launch post"]
    assert await title.input_value() == ""
    assert await page.locator("[data-empty-state]").count() == 0
    await title.fill("   ")
    await page.get_by_role("button", name="Create task").click()
    await page.wait_for_selector("#quick-title-error")
    assert await page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    await assert_accessible(page)

    specs = [
        {"title": f"Chore {i:02d}", "priority": "urgent" if i % 10 == 0 else "low"}
        for i in range(30)
    ]
    specs[3] |= {"labels": ["Bug"], "description": "the checkout button is broken"}
    await _tasks(server, project, *specs)

    # Search (the / shortcut focuses it).
    await page.goto(f"/projects/{project.project_id}")
    await page.keyboard.press("/")
    search = page.get_by_label("Search")
    assert await search.evaluate("el => el === document.activeElement")
    await search.fill("checkout")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*q=checkout"))
    assert await _titles(page) == ["Chore 03"]
    await assert_accessible(page)

    # Filters: priority, then label; "Clear filters" brings everything back.
    await page.goto(f"/projects/{project.project_id}")
    await page.get_by_text("Filters", exact=True).click()
    await page.get_by_label("Urgent").check()
    await page.get_by_label("Sort").select_option("created_at")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*priority=urgent"))
    assert await _titles(page) == ["Chore 00", "Chore 10", "Chore 20"]
    await assert_accessible(page)
    await screenshot(page, f"list-filtered-{server.backend}")
    await page.set_viewport_size({"width": 375, "height": 800})
    await screenshot(page, f"list-phone-{server.backend}")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.get_by_role("link", name="Clear filters").click()
    await page.wait_for_url(re.compile(rf".*/projects/{project.project_id}$"))
    await page.get_by_text("Filters", exact=True).click()
    await page.get_by_label("Label", exact=True).fill("bug")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r".*label=bug"))
    assert await _titles(page) == ["Chore 03"]

    # Load more: 31 tasks, 25 a page; the next page is appended and focused.
    await page.goto(f"/projects/{project.project_id}")
    first = await _titles(page)
    assert len(first) == 25
    more = page.get_by_role("link", name="Load more")
    assert "cursor=" in (await more.get_attribute("href") or "")
    await more.click()
    await page.wait_for_function(
        "() => document.querySelectorAll('#task-list .task-card').length > 25"
    )
    everything = await _titles(page)
    assert len(everything) == len(set(everything)) == 31
    assert everything[:25] == first
    assert await page.get_by_role("link", name="Load more").count() == 0
    assert await page.evaluate("document.activeElement.textContent") == everything[25]
    await assert_accessible(page)
    assert page.js_errors == []


async def test_board_moves_by_mouse_keyboard_and_menu_and_they_stay(
    page: Any, server: LiveServer
) -> None:
    _, project = await _project(page, server)
    ids = await _tasks(
        server,
        project,
        {"title": "Draft the pricing page", "priority": "high", "labels": ["web"]},
        {"title": "Fix the signup email", "priority": "urgent", "due_at": _due(-1)},
        {"title": "Plan the launch", "due_at": _due(5)},
        {"title": "Pick a font", "status": "in_progress"},
        {"title": "Ship the beta", "status": "done"},
        {"title": "Old idea", "status": "cancelled"},
    )
    board = f"/projects/{project.project_id}/board"
    await page.goto(board)
    for name in ("To do", "In progress", "Done", "Cancelled"):
        assert await page.get_by_role("heading", name=name).is_visible()
    await page.get_by_label("Title").fill("Write the changelog")
    await page.get_by_role("button", name="Create task").click()
    await page.wait_for_selector("#column-todo .task-card >> text=Write the changelog")
    # Cards come in rank order: a new card goes to the end of its column.
    assert await _titles(page, "#column-todo") == [
        "Draft the pricing page",
        "Fix the signup email",
        "Plan the launch",
        "Write the changelog",
    ]
    await assert_accessible(page)

    # Drag and drop: the pricing page goes to In progress.
    card = page.locator(f"#task-{ids[0]}")
    await card.locator(".drag-handle").drag_to(page.locator("#column-in_progress"))
    await page.wait_for_selector(f"#column-in_progress #task-{ids[0]}:not([aria-busy])")
    assert await _status(server, project, ids[0]) == "in_progress"

    # Keyboard: m, two columns right, Enter.
    live = page.locator("#board-live")
    await page.locator(f"#task-{ids[1]}").focus()
    await page.keyboard.press("m")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"#column-done #task-{ids[1]}:not([aria-busy])")
    await page.wait_for_function(
        "() => document.getElementById('board-live').textContent.startsWith('Moved')"
    )
    assert "to Done" in await live.inner_text()
    assert await page.evaluate("document.activeElement.id") == f"task-{ids[1]}"
    assert await _status(server, project, ids[1]) == "done"

    # Escape puts the card back.
    await page.locator(f"#task-{ids[2]}").focus()
    await page.keyboard.press("m")
    await page.keyboard.press("ArrowRight")
    assert await page.locator(f"#column-in_progress #task-{ids[2]}").count() == 1
    await page.keyboard.press("Escape")
    assert await page.locator(f"#column-todo #task-{ids[2]}").count() == 1
    assert await _status(server, project, ids[2]) == "todo"

    # A card's Move button opens the board's one menu in that card; Escape closes it.
    move_button = page.locator(f"#task-{ids[2]}").get_by_role("link", name="Move WEB-3")
    await move_button.click()
    assert await page.evaluate("document.activeElement.id") == "move-status"
    await page.keyboard.press("Escape")
    assert not await page.locator("#move-menu").is_visible()
    assert await page.evaluate("document.activeElement.classList.contains('move-link')")
    await move_button.click()
    await page.get_by_label("Move WEB-3 to").select_option(label="Cancelled")
    await page.locator(f"#task-{ids[2]}").get_by_role("button", name="Move").click()
    await page.wait_for_selector(f"#column-cancelled #task-{ids[2]}:not([aria-busy])")
    assert await page.locator("#column-todo-title [data-count-for]").inner_text() == "1"
    assert await page.locator("#column-cancelled-title [data-count-for]").inner_text() == "2"

    # The same card's move page (the Move button without script) passes axe too.
    await page.goto(f"/tasks/{ids[0]}/move")
    chosen = page.get_by_label("Move WEB-1 to").locator("option:checked")
    assert await chosen.inner_text() == "In progress"
    await assert_accessible(page)
    await page.goto(board)

    # After a reload every card is where it was put.
    await page.reload()
    assert await _titles(page, "#column-todo") == ["Write the changelog"]
    assert set(await _titles(page, "#column-in_progress")) == {
        "Draft the pricing page",
        "Pick a font",
    }
    assert set(await _titles(page, "#column-done")) == {"Fix the signup email", "Ship the beta"}
    assert set(await _titles(page, "#column-cancelled")) == {"Plan the launch", "Old idea"}
    await assert_accessible(page)
    # A refused quick create without htmx: the board again, the error beside the field.
    await page.get_by_label("Title").fill("   ")
    async with page.expect_navigation():
        await page.evaluate(
            "() => HTMLFormElement.prototype.submit.call(document.getElementById('quick-create'))"
        )
    assert await page.locator("#quick-title-error").is_visible()
    await assert_accessible(page)
    await page.goto(board)
    assert page.js_errors == []

    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.emulate_media(color_scheme="light")
    await screenshot(page, "board", docs=True)
    # The column links are for phones only: the board shows its four columns side by side.
    assert not await page.get_by_role("navigation", name="Columns").is_visible()
    await page.set_viewport_size({"width": 375, "height": 800})
    assert await page.get_by_role("navigation", name="Columns").is_visible()
    await screenshot(page, f"board-phone-{server.backend}")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await page.emulate_media(color_scheme="dark")
    await screenshot(page, f"board-phone-dark-{server.backend}")
    await page.emulate_media(color_scheme="light")


async def test_a_refused_move_snaps_back_and_says_why(
    new_page: PageFactory, server: LiveServer
) -> None:
    owner, member = await new_page(), await new_page()
    _, project = await _project(owner, server)
    member_email = await register(member, "Grace Hopper")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        await add_member(http, project, member_email, "member")
    [task_id] = await _tasks(server, project, {"title": "Contested"})
    await member.goto(f"/projects/{project.project_id}/board")
    # Meanwhile the owner makes the member a viewer: the service refuses the move.
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        me = await http.get(
            "/api/v1/users/me", headers=await api_headers(http, member_email, PASSWORD)
        )
        changed = await http.patch(
            f"/api/v1/workspaces/{project.workspace_id}/members/{me.json()['id']}",
            json={"role": "viewer"},
            headers=project.headers,
        )
        assert changed.status_code == 200, changed.text
    card = member.locator(f"#task-{task_id}")
    await card.locator(".drag-handle").drag_to(member.locator("#column-done"))
    await member.wait_for_selector("#flash .flash-error")
    assert "You cannot do that here" in await member.locator("#flash").inner_text()
    await member.wait_for_selector(f"#column-todo #task-{task_id}:not([aria-busy])")
    # The live region speaks 50 ms after it is cleared (so that it is read again): wait.
    await expect(member.locator("#board-live")).to_contain_text("Could not move")
    assert await _status(server, project, task_id) == "todo"
    await assert_accessible(member)


async def test_viewers_see_no_edit_controls_and_their_posts_are_refused(
    new_page: PageFactory, server: LiveServer
) -> None:
    owner, viewer = await new_page(), await new_page()
    _, project = await _project(owner, server)
    viewer_email = await register(viewer, "Vera Viewer")
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        await add_member(http, project, viewer_email, "viewer")
    [task_id] = await _tasks(server, project, {"title": "Read only"})
    for path in (f"/projects/{project.project_id}", f"/projects/{project.project_id}/board"):
        await viewer.goto(path)
        assert await viewer.get_by_text("Read only").is_visible()
        assert await viewer.get_by_label("Title").count() == 0
        assert await viewer.get_by_role("button", name="Create task").count() == 0
        assert (
            await viewer.locator(".drag-handle, .move-link, #move-menu, [draggable='true']").count()
            == 0
        )
        await assert_accessible(viewer)
    token = await _csrf(viewer)
    moved = await viewer.request.post(
        f"/tasks/{task_id}/move", form={"status": "done", "csrf_token": token}, max_redirects=0
    )
    created = await viewer.request.post(
        f"/projects/{project.project_id}/tasks",
        form={"title": "Sneaky", "csrf_token": token},
        max_redirects=0,
    )
    assert moved.status == created.status == 403
    assert await _status(server, project, task_id) == "todo"
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        listed = await http.get(
            f"/api/v1/projects/{project.project_id}/tasks", headers=project.headers
        )
    assert [t["title"] for t in listed.json()["items"]] == ["Read only"]


async def test_strangers_get_not_found_pages(new_page: PageFactory, server: LiveServer) -> None:
    owner, stranger = await new_page(), await new_page()
    _, project = await _project(owner, server)
    [task_id] = await _tasks(server, project, {"title": "Secret plan"})
    await register(stranger, "Eve")
    for path in (f"/projects/{project.project_id}", f"/projects/{project.project_id}/board"):
        response = await stranger.goto(path)
        assert response is not None
        assert response.status == 404
        assert await stranger.get_by_role("heading", name="Page not found").is_visible()
        assert "Secret plan" not in await stranger.content()
        await assert_accessible(stranger)
    moved = await stranger.request.post(
        f"/tasks/{task_id}/move",
        form={"status": "done", "csrf_token": await _csrf(stranger)},
        max_redirects=0,
    )
    assert moved.status == 404
    assert await _status(server, project, task_id) == "todo"


async def test_my_tasks_overdue_first_with_load_more(page: Any, server: LiveServer) -> None:
    email = await register(page)
    await page.goto("/my-tasks")
    empty = page.locator("[data-empty-state]")
    assert "not in any workspace" in await empty.inner_text()
    assert await empty.get_by_role("link", name="Create a workspace").get_attribute("href") == (
        "/workspaces"
    )
    await assert_accessible(page)

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        headers = await api_headers(http, email, PASSWORD)
        project = await new_project(http, headers, workspace="Home", name="Chores", key="HOME")
        me = (await http.get("/api/v1/users/me", headers=headers)).json()["id"]
    await page.goto("/my-tasks")
    assert "Nothing is assigned to you" in await page.locator("[data-empty-state]").inner_text()
    specs: list[dict[str, Any]] = [
        {"title": "Later", "due_at": _due(9)},
        {"title": "Undated"},
        {"title": "Overdue", "due_at": _due(-3)},
        {"title": "Soon", "due_at": _due(1), "status": "in_progress"},
        {"title": "Finished", "due_at": _due(-8), "status": "done"},
    ]
    specs += [{"title": f"Someday {i:02d}"} for i in range(25)]
    await _tasks(server, project, *({"assignee_id": me} | spec for spec in specs))
    await _tasks(server, project, {"title": "Nobody's", "due_at": _due(-9)})
    await page.goto("/my-tasks")
    titles = await _titles(page)
    assert titles[:3] == ["Overdue", "Soon", "Later"]
    assert "Finished" not in titles
    assert "Nobody's" not in titles
    first = page.locator("#task-list .task-card").first
    assert "Overdue" in await first.locator(".badge.overdue").inner_text()
    assert "Home" in await first.inner_text()
    await assert_accessible(page)
    await page.get_by_role("link", name="Load more").click()
    await page.wait_for_function(
        "() => document.querySelectorAll('#task-list .task-card').length > 25"
    )
    everything = await _titles(page)
    assert len(everything) == len(set(everything)) == 29
    await assert_accessible(page)
    await page.goto("/my-tasks")
    await screenshot(page, f"my-tasks-{server.backend}")
    assert page.js_errors == []


async def test_without_javascript_forms_still_work(
    new_page: PageFactory, server: LiveServer
) -> None:
    page = await new_page(java_script_enabled=False)
    _, project = await _project(page, server)
    await page.goto(f"/projects/{project.project_id}")
    await page.get_by_label("Title").fill("Made without JavaScript")
    await page.get_by_role("button", name="Create task").click()
    await page.wait_for_url(re.compile(rf".*/projects/{project.project_id}$"))
    assert await _titles(page) == ["Made without JavaScript"]
    await page.get_by_role("link", name="Board").click()
    # Without script a card's Move button is a link to the card's own move page.
    await page.get_by_role("link", name="Move WEB-1").click()
    await page.wait_for_url(re.compile(r".*/tasks/.*/move$"))
    assert await page.get_by_role("heading", name="Move WEB-1").is_visible()
    await page.get_by_label("Move WEB-1 to").select_option(label="In progress")
    await page.get_by_role("button", name="Move").click()
    await page.wait_for_url(re.compile(r".*/board#task-.*"))
    assert await _titles(page, "#column-in_progress") == ["Made without JavaScript"]
    await page.get_by_label("Title").fill("   ")
    await page.get_by_role("button", name="Create task").click()
    await page.wait_for_selector("#quick-title-error")
    assert await page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert await _titles(page, "#column-in_progress") == ["Made without JavaScript"]
    # (axe needs JavaScript: the board test checks this page's accessibility.)
