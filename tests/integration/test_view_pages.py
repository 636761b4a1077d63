"""A saved view's board and calendar past one page: each column and each day shows its
first tasks and links to all of them as a list (tests/browser/ walks the layouts)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.accounts import PASSWORD, app_of
from tests.support.web import BROWSER_ACCEPT, web_register
from tests.support.web_projects import Project, add_task, api_headers, new_project

COLUMN_SIZE, DAY_SIZE = 50, 4
EMAIL = "views-owner@example.com"


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in browser of the views' owner (cookies of its own)."""
    transport = httpx.ASGITransport(app=app_of(client), client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"accept": BROWSER_ACCEPT}
    ) as http:
        await web_register(http, EMAIL)
        yield http


async def _view(client: httpx.AsyncClient, project: Project, **body: object) -> str:
    made = await client.post(
        f"/api/v1/workspaces/{project.workspace_id}/views",
        json={"name": "Everything"} | body,
        headers=project.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _rows(html: str) -> list[str]:
    """The task keys of a page's list table, in order."""
    table = html.split('<table class="table view-table">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<span class="task-key">([A-Z]+-\d+)</span>', table)


def _column(html: str, status: str) -> str:
    return html.split(f'data-status="{status}"', 1)[1].split("</section>", 1)[0]


def _day(html: str, day: str) -> str:
    return html.split(f'data-day="{day}"', 1)[1].split("</td>", 1)[0]


async def test_a_full_column_and_a_full_day_link_to_all_of_their_tasks(
    client: httpx.AsyncClient, owner: httpx.AsyncClient
) -> None:
    project = await new_project(client, await api_headers(client, EMAIL, PASSWORD))
    for n in range(COLUMN_SIZE + 3):
        due = {"due_at": "2026-12-10T09:00:00Z"} if n < DAY_SIZE + 2 else {}
        await add_task(client, project, title=f"Todo {n}", **due)
    await add_task(client, project, title="Done one", status="done", due_at="2026-12-11T09:00:00Z")
    board = await _view(client, project, layout="board")

    page = await owner.get(f"/views/{board}")
    assert page.status_code == 200, page.text
    todo = _column(page.text, "todo")
    assert todo.count('class="card"') == COLUMN_SIZE
    assert f'<span class="muted">{COLUMN_SIZE}+</span>' in todo
    assert f'href="/views/{board}?status=todo"' in todo
    done = _column(page.text, "done")
    assert done.count('class="card"') == 1
    assert "?status=done" not in done

    first = await owner.get(f"/views/{board}", params={"status": "todo"})
    assert first.status_code == 200
    assert "To do" in first.text
    assert "Back to the whole view" in first.text
    next_link = re.search(rf'href="/views/{board}\?status=todo&amp;cursor=([^"]+)"', first.text)
    assert next_link is not None
    second = await owner.get(f"/views/{board}?status=todo&cursor={next_link.group(1)}")
    keys = _rows(first.text) + _rows(second.text)
    assert len(keys) == len(set(keys)) == COLUMN_SIZE + 3
    assert "Next page" not in second.text

    calendar = await _view(client, project, layout="calendar", name="Due")
    month = await owner.get(f"/views/{calendar}", params={"month": "2026-12"})
    assert month.status_code == 200
    tenth = _day(month.text, "2026-12-10")
    assert tenth.count('class="task-key"') == DAY_SIZE
    assert f'href="/views/{calendar}?day=2026-12-10">2 more' in tenth
    eleventh = _day(month.text, "2026-12-11")
    assert eleventh.count('class="task-key"') == 1
    assert "more" not in eleventh
    day = await owner.get(f"/views/{calendar}", params={"day": "2026-12-10"})
    assert len(_rows(day.text)) == DAY_SIZE + 2
    assert "Due Thursday 10 December 2026" in day.text

    # A column the view's own filter leaves out lists nothing, whatever the column asked.
    done_only = await _view(
        client, project, layout="board", name="Done", filters={"status": "done"}
    )
    none = await owner.get(f"/views/{done_only}", params={"status": "todo"})
    assert none.status_code == 200
    assert _rows(none.text) == []
    assert "No task matches this view." in none.text
    bad_params = (
        {"status": "nope"},
        {"day": "2026-13-01"},
        {"day": "x\x00"},
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"month": "0000-01"},
        {"month": "9999-12"},
    )
    for bad in bad_params:
        target = calendar if "month" in bad else board
        refused = await owner.get(f"/views/{target}", params=bad)
        assert refused.status_code in (400, 422), (bad, refused.status_code)


async def test_the_filters_read_in_words(
    client: httpx.AsyncClient, owner: httpx.AsyncClient
) -> None:
    project = await new_project(client, await api_headers(client, EMAIL, PASSWORD))
    filters = {
        "project_id": project.project_id,
        "assignee_id": "me",
        "status": ["todo", "in_progress"],
        "label": "<script>x</script>",
    }
    view = await _view(client, project, filters=filters, sort="-due_at")
    page = await owner.get(f"/views/{view}")
    assert page.status_code == 200, page.text
    summary = page.text.split('class="muted small view-filters"', 1)[1].split("</p>", 1)[0]
    assert "Project: <strong>Website</strong>" in summary
    assert "Assignee: <strong>me</strong>" in summary
    assert "Status: <strong>To do, In progress</strong>" in summary
    assert "Label: <strong>&lt;script&gt;x&lt;/script&gt;</strong>" in summary
    assert project.project_id not in summary
    assert "sorted by <strong>due date, descending</strong>" in summary
