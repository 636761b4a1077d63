"""The workspace pages in a real browser: creating workspaces and projects, members and
roles, what viewers and strangers can (not) do, renaming and deleting."""

from __future__ import annotations

import re
from typing import Any

from tests.support.browser import assert_accessible, register, screenshot, unique_email
from tests.support.web_workspaces import create_project, create_workspace, forge_post

PageFactory = Any


def member_row(page: Any, email: str) -> Any:
    """The member's entry in the settings page's list."""
    return page.get_by_role("region", name="Members").locator("li").filter(has_text=email)


async def test_a_new_user_creates_a_workspace_and_a_project(new_page: PageFactory) -> None:
    page = await new_page()
    await register(page, "Ada Lovelace")
    await page.goto("/workspaces")
    empty = page.locator(".empty")
    assert "create your first workspace" in (await empty.inner_text()).lower()
    await assert_accessible(page)

    # The schema's refusal stands beside the field; nothing is created.
    form = page.get_by_role("region", name="Create a workspace")
    await form.get_by_role("button", name="Create workspace").click()
    await page.wait_for_selector("#workspace-name-error")
    assert await form.get_by_label("Name").get_attribute("aria-invalid") == "true"
    await assert_accessible(page)

    workspace_id = await create_workspace(page, "Analytical Engine")
    assert await page.get_by_role("heading", name="Analytical Engine", level=1).is_visible()
    switcher = page.get_by_label("Workspace", exact=True)
    assert await switcher.input_value() == workspace_id
    assert "No projects yet" in await page.locator(".empty").inner_text()
    await assert_accessible(page)

    # A lower-case key is taken as the capitals it must be.
    project_id = await create_project(page, workspace_id, "Website", "web")
    item = page.locator("li.project-item").filter(has_text="Website")
    assert "WEB" in await item.inner_text()
    assert await item.get_by_role("link", name="Board of Website").get_attribute("href") == (
        f"/projects/{project_id}/board"
    )
    assert await item.get_by_role("link", name="List of Website").get_attribute("href") == (
        f"/projects/{project_id}"
    )
    await assert_accessible(page)

    # The same key again: the service's conflict, said on the page.
    form = page.get_by_role("region", name="Create a project")
    await form.get_by_label("Name").fill("Web two")
    await form.get_by_label("Key").fill("WEB")
    async with page.expect_response(re.compile(r"/projects$")) as answer:
        await form.get_by_role("button", name="Create project").click()
    assert (await answer.value).status == 409
    assert "already used" in await page.get_by_role("alert").inner_text()
    assert await form.get_by_label("Name").input_value() == "Web two"
    await assert_accessible(page)

    # The list shows the workspace with my role; the switcher goes there.
    await page.goto("/workspaces")
    entry = page.locator("li.ws-item").filter(has_text="Analytical Engine")
    assert "Owner" in await entry.inner_text()
    await page.get_by_label("Workspace", exact=True).select_option(workspace_id)
    await page.wait_for_url(re.compile(rf".*/workspaces/{workspace_id}$"))
    await assert_accessible(page)


async def test_the_workspace_pages_fit_a_phone(new_page: PageFactory) -> None:
    page = await new_page(viewport={"width": 375, "height": 800})
    await register(page, "Grace Hopper")
    workspace_id = await create_workspace(page, "Compilers")
    await create_project(page, workspace_id, "COBOL", "COB")
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375
    await screenshot(page, "workspace-home-phone")
    await page.goto(f"/workspaces/{workspace_id}/settings")
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
    await screenshot(page, "workspace-settings-phone")
    await page.goto("/workspaces")
    await screenshot(page, "workspaces-phone")
    await assert_accessible(page)


async def test_members_are_added_demoted_to_viewer_and_removed(new_page: PageFactory) -> None:
    owner = await new_page()
    await register(owner, "Olive Owner")
    other = await new_page()
    other_email = await register(other, "Vic Viewer")
    workspace_id = await create_workspace(owner, "Shared")
    await create_project(owner, workspace_id, "Roadmap", "ROAD")
    settings = f"/workspaces/{workspace_id}/settings"

    await owner.goto(settings)
    await assert_accessible(owner)
    adding = owner.get_by_role("form", name="Add a member")
    # Someone without an account: said beside the email field.
    await adding.get_by_label("Email").fill(unique_email("nobody"))
    await adding.get_by_role("button", name="Add member").click()
    await owner.wait_for_selector("#member-email-error")
    assert "no active user" in await owner.locator("#member-email-error").inner_text()
    await assert_accessible(owner)

    adding = owner.get_by_role("form", name="Add a member")
    await adding.get_by_label("Email").fill(other_email)
    await adding.get_by_label("Role").select_option("member")
    await adding.get_by_role("button", name="Add member").click()
    await owner.wait_for_url(re.compile(rf".*{settings}$"))
    row = member_row(owner, other_email)
    assert "Member" in await row.locator(".badge").inner_text()

    await row.get_by_label("Role of Vic Viewer").select_option("viewer")
    await row.get_by_role("button", name="Change role of Vic Viewer").click()
    await owner.wait_for_url(re.compile(rf".*{settings}$"))
    assert "Viewer" in await member_row(owner, other_email).locator(".badge").inner_text()
    await assert_accessible(owner)
    await screenshot(owner, "workspace-settings")

    # The viewer sees the workspace, its members, and no control that manages anything.
    await other.goto(f"/workspaces/{workspace_id}")
    assert await other.get_by_role("link", name="Roadmap", exact=True).is_visible()
    assert await other.get_by_role("region", name="Create a project").count() == 0
    await assert_accessible(other)
    await other.goto(settings)
    assert await other.get_by_text("Olive Owner").is_visible()
    for name in ("Add member", "Rename workspace", "Delete workspace…", "Change role"):
        assert await other.get_by_role("button", name=name).count() == 0
        assert await other.get_by_role("link", name=name).count() == 0
    assert await other.locator("main select").count() == 0
    assert await other.get_by_role("button", name="Leave workspace").is_visible()
    await assert_accessible(other)

    # Their forged posts are refused by the services' rules and change nothing.
    owner_id = (
        await owner.get_by_role("region", name="Members").locator("li").first.get_attribute("id")
    )
    assert owner_id is not None
    for path, data in (
        (f"/workspaces/{workspace_id}/settings/name", {"name": "Taken over"}),
        (f"/workspaces/{workspace_id}/members", {"email": other_email, "role": "owner"}),
        (f"/workspaces/{workspace_id}/projects", {"name": "Mine", "key": "MINE"}),
        (f"/workspaces/{workspace_id}/members/{owner_id.removeprefix('member-')}/remove", {}),
        (f"/workspaces/{workspace_id}/settings/delete", {}),
    ):
        answer = await forge_post(other, path, data)
        assert answer.status == 403, path
    await owner.goto(settings)
    assert await owner.get_by_role("heading", name="Shared: members and settings").is_visible()
    assert await owner.get_by_role("region", name="Members").locator("li").count() == 2
    await owner.goto(f"/workspaces/{workspace_id}")
    assert await owner.get_by_role("link", name="Mine", exact=True).count() == 0

    # Removed, they no longer see the workspace at all.
    await owner.goto(settings)
    await member_row(owner, other_email).get_by_role("button", name="Remove Vic Viewer").click()
    await owner.wait_for_url(re.compile(rf".*{settings}$"))
    assert await member_row(owner, other_email).count() == 0
    response = await other.goto(f"/workspaces/{workspace_id}")
    assert response is not None
    assert response.status == 404


async def test_a_non_member_gets_the_404_page_everywhere(new_page: PageFactory) -> None:
    owner = await new_page()
    await register(owner, "Olive Owner")
    workspace_id = await create_workspace(owner, "Private")
    project_id = await create_project(owner, workspace_id, "Secret plans", "PLAN")
    stranger = await new_page()
    await register(stranger, "Sam Stranger")
    await stranger.goto("/workspaces")

    base = f"/workspaces/{workspace_id}"
    project = f"{base}/settings/projects/{project_id}"
    for path in (
        base,
        f"{base}/settings",
        f"{base}/settings/delete",
        f"{project}/delete",
        f"/workspaces/switch?workspace_id={workspace_id}",
        "/workspaces/no-such-workspace",
    ):
        response = await stranger.goto(path)
        assert response is not None
        assert response.status == 404, path
        assert await stranger.get_by_role("heading", name="Page not found").is_visible()
        assert "Secret plans" not in await stranger.content()
    await assert_accessible(stranger)

    await stranger.goto("/workspaces")
    for path, data in (
        (f"{base}/projects", {"name": "Mine", "key": "MINE"}),
        (f"{base}/settings/name", {"name": "Mine"}),
        (f"{base}/settings/delete", {}),
        (f"{base}/members", {"email": unique_email(), "role": "member"}),
        (f"{base}/members/anyone/role", {"role": "owner"}),
        (f"{base}/members/anyone/remove", {}),
        (f"{project}/name", {"name": "Mine"}),
        (f"{project}/delete", {}),
    ):
        answer = await forge_post(stranger, path, data)
        assert answer.status == 404, path
    await owner.goto(f"/workspaces/{workspace_id}")
    assert await owner.get_by_role("link", name="Secret plans", exact=True).is_visible()
    assert await owner.get_by_role("heading", name="Private", level=1).is_visible()


async def test_the_last_owner_can_neither_leave_nor_step_down(page: Any) -> None:
    email = await register(page, "Solo Owner")
    workspace_id = await create_workspace(page, "Solo")
    settings = f"/workspaces/{workspace_id}/settings"
    await page.goto(settings)

    async with page.expect_response(re.compile(r"/remove$")) as answer:
        await page.get_by_role("button", name="Leave workspace").click()
    assert (await answer.value).status == 409
    alert = member_row(page, email).get_by_role("alert")
    assert "needs an owner" in await alert.inner_text()
    await assert_accessible(page)

    row = member_row(page, email)
    await row.get_by_label("Role of Solo Owner").select_option("member")
    async with page.expect_response(re.compile(r"/role$")) as answer:
        await row.get_by_role("button", name="Change role of Solo Owner").click()
    assert (await answer.value).status == 409
    assert "needs an owner" in await member_row(page, email).get_by_role("alert").inner_text()
    await page.goto(settings)
    assert "Owner" in await member_row(page, email).locator(".badge").inner_text()


async def test_renaming_and_deleting_projects_and_the_workspace(page: Any) -> None:
    await register(page, "Rena Namer")
    workspace_id = await create_workspace(page, "Old name")
    await create_project(page, workspace_id, "Draft", "DRAFT")
    settings = f"/workspaces/{workspace_id}/settings"
    await page.goto(settings)

    naming = page.get_by_role("region", name="Workspace name")
    await naming.get_by_label("Name").fill("  ")
    await naming.get_by_role("button", name="Rename workspace").click()
    await page.wait_for_selector("#workspace-name-error")
    await assert_accessible(page)
    naming = page.get_by_role("region", name="Workspace name")
    await naming.get_by_label("Name").fill("New name")
    await naming.get_by_role("button", name="Rename workspace").click()
    await page.wait_for_url(re.compile(rf".*{settings}$"))
    assert await page.get_by_role("heading", name="New name: members and settings").is_visible()
    switcher = page.get_by_label("Workspace", exact=True)
    assert "New name" in await switcher.locator("option:checked").inner_text()

    renaming = page.get_by_role("form", name="Rename Draft")
    await renaming.get_by_label("New name").fill("Final")
    await renaming.get_by_role("button", name="Rename Draft").click()
    await page.wait_for_url(re.compile(rf".*{settings}$"))
    projects = page.get_by_role("region", name="Projects")
    assert await projects.locator("li").filter(has_text="Final").count() == 1

    await page.get_by_role("link", name=re.compile(r"^Delete Final")).click()
    assert await page.get_by_role("heading", name=re.compile("Delete the project")).is_visible()
    await assert_accessible(page)
    await page.get_by_role("button", name="Yes, delete the project").click()
    await page.wait_for_url(re.compile(rf".*{settings}$"))
    assert "No projects yet" in await page.get_by_role("region", name="Projects").inner_text()

    await page.get_by_role("link", name="Delete workspace…").click()
    await assert_accessible(page)
    await page.get_by_role("button", name="Yes, delete the workspace").click()
    await page.wait_for_url(re.compile(r".*/workspaces$"))
    assert await page.locator("li.ws-item").filter(has_text="New name").count() == 0
    response = await page.goto(f"/workspaces/{workspace_id}")
    assert response is not None
    assert response.status == 404
