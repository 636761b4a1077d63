"""The task page's trail names custom fields and their options, removed ones included."""

from __future__ import annotations

import html

import httpx
from sqlalchemy import select

from smarttask.activity.models import Activity
from tests.support.accounts import app_of
from tests.support.fields import new_field, patch_task
from tests.support.tasks import new_board, new_task
from tests.support.web import web_login
from tests.support.workspaces import PASSWORD

API = "/api/v1"


async def test_the_trail_says_field_changes_by_name(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    stage = await new_field(
        client, board, "<b>Stage</b>", "select", options=[{"name": "a"}, {"name": "b"}]
    )
    tags = await new_field(
        client, board, "Tags", "multi_select", options=[{"name": "x"}, {"name": "y"}]
    )
    points = await new_field(client, board, "Points", "number")
    x, y = (option["id"] for option in tags["options"])
    task = await new_task(client, board, fields={tags["id"]: [x, y], points["id"]: 3})
    for values in ({stage["id"]: stage["options"][1]["id"]}, {points["id"]: 5}):
        changed = await patch_task(client, board, task["id"], values)
        assert changed.status_code == 200, changed.text
    kept = await client.patch(
        f"{API}/fields/{tags['id']}",
        json={"options": [{"id": y, "name": "y"}]},
        headers=board.owner.headers,
    )
    assert kept.status_code == 200, kept.text
    gone = await client.delete(f"{API}/fields/{points['id']}", headers=board.owner.headers)
    assert gone.status_code == 204, gone.text

    # Each entry names the task's project, which the workspace's trail hides when private.
    async with app_of(client).state.database.session(writes=False) as session:
        statement = select(Activity.actor_id, Activity.project_id).where(
            Activity.entity_id == task["id"], Activity.actor_id == board.owner.id
        )
        entries = (await session.execute(statement)).all()
    assert [tuple(entry) for entry in entries] == [(board.owner.id, board.project_id)] * 2

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
