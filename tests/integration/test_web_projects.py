"""Edges of the project and task pages, in-process on both backends (tests/browser/ walks them)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, csrf_of, web_register
from tests.support.web_projects import Project, add_member, add_task, api_headers, new_project

Browser = Callable[[str], Awaitable[httpx.AsyncClient]]
HTMX = {"hx-request": "true"}


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


async def _owned(client: httpx.AsyncClient, email: str) -> Project:
    return await new_project(client, await api_headers(client, email, PASSWORD))


async def _post(
    http: httpx.AsyncClient, page: str, action: str, values: dict[str, str], **headers: str
) -> httpx.Response:
    token = csrf_of(await http.get(page))
    return await http.post(action, data={"csrf_token": token, **values}, headers=headers)


async def test_quick_create_answers_a_card_or_a_redirect_and_refuses_blank_titles(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada = await browser("ada@example.com")
    project = await _owned(client, "ada@example.com")
    page = f"/projects/{project.project_id}"
    action = f"{page}/tasks"
    plain = await _post(ada, page, action, {"title": "  Plain form  "})
    assert plain.status_code == 303
    assert plain.headers["location"] == page
    board = await _post(ada, page, action, {"title": "From the board", "view": "board"})
    assert board.headers["location"] == f"{page}/board"
    card = await _post(ada, page, action, {"title": "By htmx"}, **HTMX)
    assert card.status_code == 200
    assert card.text.lstrip().startswith('<li class="task-card')
    assert "By htmx" in card.text
    assert "<html" not in card.text

    blank = await _post(ada, page, action, {"title": "   "})
    assert blank.status_code == 422
    assert 'id="quick-title-error"' in blank.text
    assert "<html" in blank.text  # the whole list again, the error beside the field
    blank_htmx = await _post(ada, page, action, {"title": ""}, **HTMX)
    assert blank_htmx.status_code == 422
    assert blank_htmx.headers["hx-retarget"] == "#quick-create"
    assert blank_htmx.text.lstrip().startswith('<form id="quick-create"')
    titles = await client.get(
        f"/api/v1/projects/{project.project_id}/tasks", headers=project.headers
    )
    assert [t["title"] for t in titles.json()["items"]] == [
        "By htmx",
        "From the board",
        "Plain form",
    ]


async def test_moves_go_through_the_tasks_rules(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, vera, eve = (
        await browser("ada@example.com"),
        await browser("vera@example.com"),
        await browser("eve@example.com"),
    )
    project = await _owned(client, "ada@example.com")
    await add_member(client, project, "vera@example.com", "viewer")
    task = await add_task(client, project, title="Move me", due_at="2099-01-01T00:00:00Z")
    board = f"/projects/{project.project_id}/board"
    move = f"/tasks/{task['id']}/move"

    moved = await _post(ada, board, move, {"status": "in_progress"})
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{board}#task-{task['id']}"
    done = await _post(ada, board, move, {"status": "done"}, **HTMX)
    assert done.status_code == 200
    assert 'data-status="done"' in done.text
    assert "risk" not in done.text  # a done task has no risk any more
    bogus = await _post(ada, board, move, {"status": "archived"}, **HTMX)
    assert bogus.status_code == 422
    assert bogus.headers["hx-retarget"] == "#flash"

    refused = await _post(vera, board, move, {"status": "todo"}, **HTMX)
    assert refused.status_code == 403
    assert refused.headers["hx-retarget"] == "#flash"
    assert "You cannot do that here" in refused.text
    stranger = await _post(eve, "/my-tasks", move, {"status": "todo"})
    assert stranger.status_code == 404
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=project.headers)
    assert read.json()["status"] == "done"
    activity = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=project.headers)
    statuses = [
        item["changes"]["status"]["new"]
        for item in activity.json()["items"]
        if "status" in item["changes"] and item["action"] == "updated"
    ]
    assert statuses == ["done", "in_progress"]


async def test_a_card_moves_without_javascript_through_its_move_page(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, vera, eve = (
        await browser("ada@example.com"),
        await browser("vera@example.com"),
        await browser("eve@example.com"),
    )
    project = await _owned(client, "ada@example.com")
    await add_member(client, project, "vera@example.com", "viewer")
    task = await add_task(client, project, title="Walk <b>me</b>", status="in_progress")
    board = await ada.get(f"/projects/{project.project_id}/board")
    # The board has one move menu, not a form per card; each card links to its move page.
    assert board.text.count('<form id="move-menu"') == 1
    assert 'action="/tasks/' not in board.text
    page = f"/tasks/{task['id']}/move"
    assert f'href="{page}"' in board.text

    shown = await ada.get(page)
    assert shown.status_code == 200
    assert "<h1>Move WEB-1</h1>" in shown.text
    assert "Walk &lt;b&gt;me&lt;/b&gt;" in shown.text
    # The choices are the board's columns: the project's workflow states, by category.
    states = await client.get(
        f"/api/v1/projects/{project.project_id}/states", headers=project.headers
    )
    by_name = {state["name"]: state["id"] for state in states.json()["items"]}
    assert f'<option value="{by_name["In progress"]}" selected>In progress</option>' in shown.text
    assert '<optgroup label="Done"><option value="' in shown.text
    assert f'action="{page}"' in shown.text
    moved = await _post(ada, page, page, {"state_id": by_name["Done"]})
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/projects/{project.project_id}/board#task-{task['id']}"
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=project.headers)
    assert (read.json()["status"], read.json()["state"]["name"]) == ("done", "Done")
    assert "is in <strong>Done</strong>" in (await ada.get(page)).text
    # A status alone still moves it (to its category's first state).
    back = await _post(ada, page, page, {"status": "todo"})
    assert back.status_code == 303
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=project.headers)
    assert read.json()["state"]["name"] == "To do"

    viewer = await vera.get(page)
    assert viewer.status_code == 403
    assert "<select" not in viewer.text
    stranger = await eve.get(page)
    assert stranger.status_code == 404
    assert "Walk" not in stranger.text
    assert (await eve.get("/tasks/no-such-task/move")).status_code == 404


async def test_load_more_fragments_and_bad_parameters(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada = await browser("ada@example.com")
    project = await _owned(client, "ada@example.com")
    for i in range(27):
        await add_task(client, project, title=f"Task {i:02d}", labels=["x"] if i % 2 else [])
    page = f"/projects/{project.project_id}"
    first = await ada.get(page, params={"label": "x", "sort": "created_at", "q": ""})
    assert first.status_code == 200
    assert first.text.count("data-task-id=") == 13
    assert 'id="load-more"' in first.text
    assert "Load more" not in first.text  # 13 of them: one page
    everything = await ada.get(page)
    # The "Load more" link's URL (the page has other hx-get attributes, e.g. the inbox badge).
    more = everything.text.index('id="load-more"')
    start = everything.text.index('hx-get="', more) + len('hx-get="')
    url = everything.text[start : everything.text.index('"', start)].replace("&amp;", "&")
    fragment = await ada.get(url, headers={**HTMX, "hx-target": "task-list"})
    assert fragment.status_code == 200
    assert fragment.text.count("data-task-id=") == 2
    assert 'hx-swap-oob="true"' in fragment.text
    assert "<html" not in fragment.text
    no_js = await ada.get(url)
    assert no_js.text.count("data-task-id=") == 2
    assert "Back to the first page" in no_js.text
    for params in ({"sort": "title"}, {"status": "archived"}, {"cursor": "nope"}):
        assert (await ada.get(page, params=params)).status_code == 422, params


async def test_the_task_pages_comments_and_activity_load_more(
    client: httpx.AsyncClient, browser: Browser
) -> None:
    ada, eve = await browser("ada@example.com"), await browser("eve@example.com")
    project = await _owned(client, "ada@example.com")
    task = await add_task(client, project, title="Busy")
    comments = f"/api/v1/tasks/{task['id']}/comments"
    for i in range(53):
        made = await client.post(comments, json={"body": f"Note {i:02d}"}, headers=project.headers)
        assert made.status_code == 201, made.text
    version = task["version"]
    for i in range(33):
        changed = await client.patch(
            f"/api/v1/tasks/{task['id']}",
            json={"title": f"Busy {i:02d}"},
            headers={**project.headers, "if-match": f'"{version}"'},
        )
        assert changed.status_code == 200, changed.text
        version = changed.json()["version"]
    page = await ada.get(f"/tasks/{task['id']}")
    # The 50 latest comments, oldest of them first; a link to the 3 earlier ones.
    assert page.text.count('class="comment"') == 50
    assert "Note 02" not in page.text
    assert page.text.index("Note 03") < page.text.index("Note 52")
    link = more_link(page.text, "comments")
    assert page.text.count("<time") >= 50 + 30

    # htmx: the 3 earlier comments, oldest first, and an empty link paragraph (out of band).
    more = await ada.get(link, headers=HTMX)
    assert more.status_code == 200
    assert more.text.count('class="comment"') == 3
    assert more.text.index("Note 00") < more.text.index("Note 02")
    assert "Note 03" not in more.text
    assert 'id="comments-more" class="load-more" hx-swap-oob="true"></p>' in more.text
    assert "<html" not in more.text
    # Without JavaScript: the same comments as a page of their own.
    plain = await ada.get(link)
    assert plain.status_code == 200
    assert "<h1>Comments on WEB-1</h1>" in plain.text
    assert plain.text.count('class="comment"') == 3
    # A new comment shows at once, at the end of the latest.
    token = csrf_of(page)
    added = await ada.post(
        f"/tasks/{task['id']}/comments", data={"csrf_token": token, "body": "Note 53"}, headers=HTMX
    )
    assert added.status_code == 200
    assert added.text.count('class="comment"') == 50
    assert added.text.index("Note 52") < added.text.index("Note 53")

    older = await ada.get(more_link(page.text, "activity"), headers=HTMX)
    assert older.status_code == 200
    assert older.text.count("<li>") == 4  # 33 renames, the creation: 34 changes, 30 shown
    assert "created" in older.text.lower()

    assert (await eve.get(link)).status_code == 404
    assert (await ada.get(f"/tasks/{task['id']}/more/labels")).status_code == 422
    bad = await ada.get(f"/tasks/{task['id']}/more/comments", params={"cursor": "not-a-cursor"})
    assert bad.status_code in (400, 422)


def more_link(html: str, name: str) -> str:
    """The "Load more" link of the task page's comments or activity."""
    found = re.search(rf'href="(/tasks/[^"]+/more/{name}\?cursor=[^"]+)"', html)
    assert found, f"no Load more link for {name}"
    return found.group(1)


async def test_the_workspace_page_says_each_projects_open_work(
    client: httpx.AsyncClient, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smarttask.tasks import open_work

    ada = await browser("ada@example.com")
    project = await _owned(client, "ada@example.com")
    await add_task(client, project, title="Late", due_at="2020-01-01T12:00:00Z")
    await add_task(client, project, title="Later", due_at="2099-01-01T12:00:00Z")
    await add_task(client, project, title="Started", status="in_progress")
    await add_task(client, project, title="Finished", status="done", due_at="2020-01-01T12:00:00Z")
    empty = await client.post(
        f"/api/v1/workspaces/{project.workspace_id}/projects",
        json={"name": "Quiet", "key": "QUI"},
        headers=project.headers,
    )
    assert empty.status_code == 201, empty.text

    def work(html: str) -> list[str]:
        lines = re.findall(r'<p class="small project-work">(.*?)</p>', html, re.S)
        return [re.sub(r"<[^>]+>", "", line) for line in lines]

    page = f"/workspaces/{project.workspace_id}"
    shown = await ada.get(page)
    assert shown.status_code == 200
    # Projects are listed oldest first: Website, then Quiet.
    assert work(shown.text) == ["3 open · 1 overdue", "Nothing open"]
    assert '<span class="overdue-text">1 overdue</span>' in shown.text
    # Past the cap a count says "more than" instead of scanning on.
    monkeypatch.setattr(open_work, "CAP", 2)
    assert work((await ada.get(page)).text) == ["2+ open · 1 overdue", "Nothing open"]
