"""The task page reads a bounded number of statements, whatever the task has (no N+1)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.tasks import Board, counting_all_statements, new_board, new_task
from tests.support.web import web_login
from tests.support.workspaces import PASSWORD

# What the whole page reads: the session, the frame, the task and each of its lists once
# (each list of task bodies with its tasks' workflow state names, in one statement), and the
# project's workflow states (the status choice). Custom fields add three: the workspace's
# fields, and the values of the task's page of tasks, its subtasks' and its dependencies'
# (one query per list, like labels).
MOST_STATEMENTS = 26


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    signed = await web_login(client, email, PASSWORD)
    assert signed.status_code == 303, signed.text


async def _task_with(client: httpx.AsyncClient, board: Board, count: int) -> dict[str, Any]:
    headers = board.member.headers
    task = await new_task(client, board, title=f"{count} of each", due_at="2031-01-01T10:00:00Z")
    for i in range(count):
        child = await new_task(
            client, board, title=f"child {i}", parent_id=task["id"], labels=["a"]
        )
        other = await new_task(client, board, title=f"needed {i}", labels=[f"l{i}"])
        for path, body in (
            (f"/tasks/{task['id']}/dependencies", {"depends_on_id": other["id"]}),
            (f"/tasks/{task['id']}/comments", {"body": f"**comment** {i}"}),
            (
                f"/tasks/{task['id']}/attachments",
                {"filename": f"f{i}.txt", "content_type": "text/plain", "size": 10},
            ),
        ):
            response = await client.post(f"/api/v1{path}", json=body, headers=headers)
            assert response.status_code == 201, response.text
        changed = await client.patch(
            f"/api/v1/tasks/{task['id']}", json={"estimate_minutes": 10 + i}, headers=headers
        )
        assert changed.status_code == 200, changed.text
        assert child["parent_id"] == task["id"]
    analysis = await client.post(f"/api/v1/tasks/{task['id']}/analysis", headers=headers)
    assert analysis.status_code == 202, analysis.text
    return task


async def test_the_task_page_costs_the_same_statements_whatever_it_shows(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    small, large = await _task_with(client, board, 1), await _task_with(client, board, 6)
    await _sign_in(client, board.member.email)

    async def count(task: dict[str, Any]) -> int:
        with counting_all_statements(app) as statements:
            response = await client.get(f"/tasks/{task['id']}")
            assert response.status_code == 200, response.text
        assert response.text.count('class="comment"') == int(task["title"].split()[0])
        return len([s for s in statements if not s.startswith("BEGIN")])

    one, six = await count(small), await count(large)
    assert one == six
    assert six <= MOST_STATEMENTS


async def test_the_analysis_poll_reads_only_what_it_shows(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    task = await _task_with(client, board, 3)
    await _sign_in(client, board.viewer.email)
    with counting_all_statements(app) as statements:
        response = await client.get(
            f"/tasks/{task['id']}/part/analysis", headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert 'hx-trigger="live"' in response.text  # still pending: refreshed on its event
    # The task's body: with its workflow state's name and its custom field values (one
    # statement each, whatever the task holds).
    assert len([s for s in statements if not s.startswith("BEGIN")]) <= 9
