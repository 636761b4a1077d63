"""The project pages read a bounded number of statements, however many tasks there are."""

from __future__ import annotations

import httpx

from tests.support.tasks import counting_all_statements
from tests.support.web import web_login
from tests.support.web_projects import add_task, api_headers, new_project
from tests.support.workspaces import PASSWORD, signup

STATUSES = ("todo", "in_progress", "done", "cancelled")


def _app(client: httpx.AsyncClient) -> object:
    return client._transport.app  # type: ignore[attr-defined]


async def _count(client: httpx.AsyncClient, path: str) -> tuple[int, str]:
    with counting_all_statements(_app(client)) as statements:
        page = await client.get(path)
    assert page.status_code == 200, page.text
    return len([s for s in statements if not s.startswith("BEGIN")]), page.text


async def test_the_board_of_200_tasks_reads_as_few_statements_as_of_4(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client, "owner")
    project = await new_project(client, await api_headers(client, owner.email, PASSWORD))
    signed = await web_login(client, owner.email, PASSWORD)
    assert signed.status_code == 303
    board = f"/projects/{project.project_id}/board"
    for status in STATUSES:
        await add_task(client, project, title=f"First {status}", status=status, labels=["x"])
    small, _ = await _count(client, board)
    # 200 tasks in all: 170 more to do (a column over its 100 cards), 26 more in progress.
    for i in range(196):
        status = "todo" if i < 170 else "in_progress"
        await add_task(client, project, title=f"Task {i}", status=status, labels=[f"l{i % 3}"])
    large, html = await _count(client, board)
    assert large == small, "the board's statements grew with its tasks"
    # caller, project with role, names, counts, 4 columns, switcher, and (since issue 17)
    # the unread count of the inbox badge every signed-in page shows (web/layout.py)
    assert large <= 10
    assert html.count("data-task-id=") == 100 + 27 + 1 + 1
    assert "71 more in the list view" in html  # 171 to do, 100 shown
    assert f'href="/projects/{project.project_id}?status=todo"' in html

    # The list view and My tasks are bounded too.
    listed, _ = await _count(client, f"/projects/{project.project_id}")
    assert listed <= 8
    mine, _ = await _count(client, "/my-tasks")
    assert mine <= 8
