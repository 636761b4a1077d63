"""Parts of the task page as htmx asks for them: the analysis in each of its states."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from tests.support.tasks import new_board, new_task
from tests.support.web import web_login
from tests.support.workspaces import PASSWORD

HTMX = {"HX-Request": "true"}


async def _set(app: Any, analysis_id: str, **values: Any) -> None:
    columns = ", ".join(f"{name} = :{name}" for name in values)
    async with app.state.database.session() as session:
        await session.execute(
            text(f"UPDATE analysis SET {columns} WHERE id = :id"),
            {"id": analysis_id, **values},
        )
        await session.commit()


async def test_the_analysis_part_polls_until_done_or_failed(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Analyse me", description="- Write it")
    requested = await client.post(
        f"/api/v1/tasks/{task['id']}/analysis", headers=board.member.headers
    )
    assert requested.status_code == 202, requested.text
    assert (await web_login(client, board.member.email, PASSWORD)).status_code == 303
    url = f"/tasks/{task['id']}/part/analysis"

    pending = await client.get(url, headers=HTMX)
    assert pending.status_code == 200
    assert 'data-live="analysis.completed"' in pending.text
    assert 'hx-trigger="live"' in pending.text
    assert "Analyzing this task" in pending.text
    assert '<h2 id="analysis-heading">AI analysis</h2>' not in pending.text

    await _set(app, requested.json()["id"], status="failed", error="The provider timed out.")
    failed = await client.get(url, headers=HTMX)
    assert "hx-trigger" not in failed.text
    assert "could not be made: The provider timed out. Try again later." in failed.text
    assert "Traceback" not in failed.text
    assert ">Analyze</button>" in failed.text


async def test_a_part_of_another_tenants_task_is_not_found(client: httpx.AsyncClient) -> None:
    board, other = await new_board(client), await new_board(client)
    task = await new_task(client, board)
    assert (await web_login(client, other.owner.email, PASSWORD)).status_code == 303
    for name in ("header", "analysis", "comments", "attachments"):
        answer = await client.get(f"/tasks/{task['id']}/part/{name}", headers=HTMX)
        assert answer.status_code == 404, name
        assert task["title"] not in answer.text
    unknown = await client.get(f"/tasks/{task['id']}/part/secrets", headers=HTMX)
    assert unknown.status_code == 422
