"""The demo workspace: realistic, consistent, usable through the API."""

from __future__ import annotations

from typing import Any

import httpx

from smarttask.demo import DEMO_PASSWORD, has_users, load_demo


async def test_demo_data_is_realistic_and_usable(app: Any, client: httpx.AsyncClient) -> None:
    async with app.state.database.session() as session:
        assert not await has_users(session)
        summary = await load_demo(session, app.state.auth, tasks=300)
        await session.commit()
        assert await has_users(session)
    login = await client.post(
        "/api/v1/auth/login", json={"email": summary.emails[0], "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    url = f"/api/v1/workspaces/{summary.workspace_id}/tasks"
    tasks: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=headers)).json()
        tasks += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(tasks) == 300
    statuses = {t["status"] for t in tasks}
    assert statuses == {"todo", "in_progress", "done", "cancelled"}
    done = [t for t in tasks if t["status"] == "done" and t["due_at"]]
    late = [t for t in done if t["completed_at"] > t["due_at"]]
    assert 0 < len(late) < len(done)
    assert any(t["depends_on"] for t in tasks)
    assert any(t["parent_id"] for t in tasks)
    assert any(t["labels"] for t in tasks)
    keys = {t["key"] for t in tasks}
    assert len(keys) == 300
    # Task numbers continue after the demo's.
    projects = (
        await client.get(f"/api/v1/workspaces/{summary.workspace_id}/projects", headers=headers)
    ).json()
    project = projects["items"][0]
    created = await client.post(
        f"/api/v1/projects/{project['id']}/tasks", json={"title": "new"}, headers=headers
    )
    assert created.status_code == 201
    assert created.json()["key"] not in keys
    found = await client.get(url, params={"q": created.json()["title"]}, headers=headers)
    assert [t["id"] for t in found.json()["items"]] == [created.json()["id"]]
    searched = await client.get(url, params={"q": "login flow"}, headers=headers)
    assert searched.json()["items"]
