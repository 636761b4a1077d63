"""The Trash page and the bulk bar, in-process on both backends: who sees and does what."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_register
from tests.support.web_projects import Project, add_member, add_task, api_headers, new_project

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browser(client: httpx.AsyncClient) -> AsyncIterator[Browser]:
    """A factory of signed-in browsers (own cookies each) on the test app."""
    async with AsyncExitStack() as stack:

        async def make(email: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app_of(client), client=("203.0.113.9", 50000))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transport,
                    base_url="http://testserver",
                    headers={"accept": BROWSER_ACCEPT},
                )
            )
            await web_register(http, email)
            return http

        yield make


async def _trashed(client: httpx.AsyncClient, project: Project, title: str) -> str:
    task = await add_task(client, project, title=title)
    gone = await client.delete(f"/api/v1/tasks/{task['id']}", headers=project.headers)
    assert gone.status_code == 204
    return str(task["id"])


async def test_the_trash_page_shows_each_role_its_buttons(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, vera, mo, eve = [
        await browser(f"{name}@example.com") for name in ("ada", "vera", "mo", "eve")
    ]
    project = await new_project(client, await api_headers(client, "ada@example.com", PASSWORD))
    await add_member(client, project, "vera@example.com", "viewer")
    await add_member(client, project, "mo@example.com", "member")
    task_id = await _trashed(client, project, "Binned <b>draft</b>")
    page = f"/workspaces/{project.workspace_id}/trash"

    owner_view = await ada.get(page)
    assert owner_view.status_code == 200
    assert "Binned &lt;b&gt;draft&lt;/b&gt;" in owner_view.text
    assert f'action="/trash/{task_id}/restore"' in owner_view.text
    assert f'action="/trash/{task_id}/delete"' in owner_view.text
    viewer_view = await vera.get(page)
    assert "Binned" in viewer_view.text
    assert f"/trash/{task_id}/restore" not in viewer_view.text
    assert f"/trash/{task_id}/delete" not in viewer_view.text
    member_view = await mo.get(page)
    assert f'action="/trash/{task_id}/restore"' in member_view.text
    assert f'action="/trash/{task_id}/delete"' not in member_view.text
    assert (await eve.get(page)).status_code == 404

    token = csrf_of(member_view)
    refused = await mo.post(f"/trash/{task_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    no_csrf = await mo.post(f"/trash/{task_id}/restore", data={})
    assert no_csrf.status_code == 403
    stranger = await eve.post(
        f"/trash/{task_id}/restore", data={"csrf_token": csrf_of(await eve.get("/workspaces"))}
    )
    assert stranger.status_code == 404
    restored = await mo.post(f"/trash/{task_id}/restore", data={"csrf_token": token})
    assert restored.status_code == 303
    assert restored.headers["location"].startswith(f"{page}?saved=restored")
    back = await client.get(f"/api/v1/tasks/{task_id}", headers=project.headers)
    assert back.status_code == 200


async def test_a_restore_refused_on_the_page_says_why(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada = await browser("ada@example.com")
    project = await new_project(client, await api_headers(client, "ada@example.com", PASSWORD))
    task_id = await _trashed(client, project, "Orphan")
    gone = await client.delete(f"/api/v1/projects/{project.project_id}", headers=project.headers)
    assert gone.status_code == 204
    page = f"/workspaces/{project.workspace_id}/trash"
    listed = await ada.get(page)
    assert "A deleted project" in listed.text
    refused = await ada.post(f"/trash/{task_id}/restore", data={"csrf_token": csrf_of(listed)})
    assert refused.status_code == 409
    assert "project was deleted" in refused.text


async def test_the_bulk_bar_is_for_members_and_refuses_all_or_nothing(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, vera = await browser("ada@example.com"), await browser("vera@example.com")
    project = await new_project(client, await api_headers(client, "ada@example.com", PASSWORD))
    await add_member(client, project, "vera@example.com", "viewer")
    ids = [(await add_task(client, project, title=f"t{n}"))["id"] for n in range(2)]
    page = f"/projects/{project.project_id}"
    assert 'id="bulk-form"' not in (await vera.get(page)).text
    listed = await ada.get(page)
    assert 'id="bulk-form"' in listed.text
    assert listed.text.count('form="bulk-form"') == 2
    token = csrf_of(listed)
    action = f"{page}/bulk"
    nothing = await ada.post(action, data={"csrf_token": token, "task_ids": ids})
    assert nothing.status_code == 422
    assert "Choose at least one change" in nothing.text
    bad_assignee = await ada.post(
        action, data={"csrf_token": token, "task_ids": ids, "assignee_id": "nobody-here"}
    )
    assert bad_assignee.status_code == 422
    assert "Nothing was changed" in bad_assignee.text
    done = await ada.post(
        action,
        data={"csrf_token": token, "task_ids": ids, "priority": "high", "due": "2027-01-15"},
    )
    assert done.status_code == 303
    for task_id in ids:
        body = (await client.get(f"/api/v1/tasks/{task_id}", headers=project.headers)).json()
        assert (body["priority"], body["due_at"]) == ("high", "2027-01-15T23:59:59Z")
    # The status menu is the project's workflow states: a custom one is a choice.
    review = await client.post(
        f"/api/v1/projects/{project.project_id}/states",
        json={"name": "Review", "category": "in_progress"},
        headers=project.headers,
    )
    assert review.status_code == 201, review.text
    listed = await ada.get(page)
    assert f'<option value="{review.json()["id"]}">Review</option>' in listed.text
    other = await new_project(client, project.headers, key="OTH")
    foreign = await client.get(
        f"/api/v1/projects/{other.project_id}/states", headers=project.headers
    )
    elsewhere = foreign.json()["items"][0]["id"]
    refused = await ada.post(
        action, data={"csrf_token": token, "task_ids": ids, "state_id": elsewhere}
    )
    assert refused.status_code == 422
    moved = await ada.post(
        action, data={"csrf_token": token, "task_ids": ids, "state_id": review.json()["id"]}
    )
    assert moved.status_code == 303
    for task_id in ids:
        body = (await client.get(f"/api/v1/tasks/{task_id}", headers=project.headers)).json()
        assert (body["state"]["name"], body["status"]) == ("Review", "in_progress")
    viewer = await vera.post(
        action,
        data={"csrf_token": csrf_of(await vera.get(page)), "task_ids": ids, "priority": "low"},
    )
    assert viewer.status_code == 403
