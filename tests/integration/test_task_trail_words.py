"""The task page's trail names custom fields and their options, removed ones included."""

from __future__ import annotations

import html
from typing import Any

import httpx

from tests.support.tasks import Board, new_board, new_task
from tests.support.web import web_login
from tests.support.workspaces import PASSWORD

API = "/api/v1"


async def _field(client: httpx.AsyncClient, board: Board, **body: Any) -> dict[str, Any]:
    made = await client.post(
        f"{API}/workspaces/{board.workspace_id}/fields", json=body, headers=board.owner.headers
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def _patch(client: httpx.AsyncClient, board: Board, task_id: str, fields: Any) -> None:
    changed = await client.patch(
        f"{API}/tasks/{task_id}", json={"fields": fields}, headers=board.member.headers
    )
    assert changed.status_code == 200, changed.text


async def test_the_trail_says_field_changes_by_name(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    stage = await _field(
        client, board, name="<b>Stage</b>", type="select", options=[{"name": "a"}, {"name": "b"}]
    )
    tags = await _field(
        client, board, name="Tags", type="multi_select", options=[{"name": "x"}, {"name": "y"}]
    )
    points = await _field(client, board, name="Points", type="number")
    x, y = (option["id"] for option in tags["options"])
    task = await new_task(client, board, fields={tags["id"]: [x, y], points["id"]: 3})
    await _patch(client, board, task["id"], {stage["id"]: stage["options"][1]["id"]})
    await _patch(client, board, task["id"], {points["id"]: 5})
    kept = await client.patch(
        f"{API}/fields/{tags['id']}",
        json={"options": [{"id": y, "name": "y"}]},
        headers=board.owner.headers,
    )
    assert kept.status_code == 200, kept.text
    gone = await client.delete(f"{API}/fields/{points['id']}", headers=board.owner.headers)
    assert gone.status_code == 204, gone.text

    signed = await web_login(client, board.member.email, PASSWORD)
    assert signed.status_code == 303, signed.text
    page = await client.get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    trail = page.text.split('id="task-activity"', 1)[1].split("</section>", 1)[0]
    text = html.unescape(trail)
    assert "set “<b>Stage</b>” to “b”" in text
    assert "&lt;b&gt;Stage" in trail  # a field's name is text, never markup
    assert "changed a deleted field from “3” to “5”" in text
    # A multi_select's values are kept in the order of their ids.
    assert any(
        f"changed “Tags” from {before} to “y”" in text
        for before in ("a removed option, “y”", "“y”, a removed option")
    )
    assert "cleared a deleted field" in text
    assert stage["id"] not in trail
    # The part the page reloads live says the same.
    part = await client.get(f"/tasks/{task['id']}/part/activity")
    assert part.status_code == 200
    assert "changed “Tags” from " in html.unescape(part.text)
    assert "a removed option" in html.unescape(part.text)
