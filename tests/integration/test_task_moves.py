"""Moving a task to another project of its workspace: renumbered there, subtasks with it."""

from __future__ import annotations

import httpx

from tests.support.tasks import new_board, new_task


async def test_a_task_moves_with_its_subtasks_and_takes_new_keys(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    headers = board.member.headers
    ops = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Ops", "key": "OPS"},
        headers=board.owner.headers,
    )
    ops_id = ops.json()["id"]
    await new_task(client, board, title="stays")
    parent = await new_task(client, board, title="parent", status="done")
    child = await new_task(client, board, title="child", parent_id=parent["id"])

    alone = await client.patch(
        f"/api/v1/tasks/{child['id']}", json={"project_id": ops_id}, headers=headers
    )
    assert alone.status_code == 422
    assert alone.json()["errors"][0]["loc"] == ["body", "project_id"]

    moved = await client.patch(
        f"/api/v1/tasks/{parent['id']}", json={"project_id": ops_id}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["project_id"], moved.json()["key"]) == (ops_id, "OPS-1")
    child_now = (await client.get(f"/api/v1/tasks/{child['id']}", headers=headers)).json()
    assert (child_now["project_id"], child_now["key"]) == (ops_id, "OPS-2")
    assert child_now["parent_id"] == parent["id"]
    trail = (await client.get(f"/api/v1/tasks/{child['id']}/activity", headers=headers)).json()
    assert trail["items"][0]["changes"]["project_id"] == {"old": board.project_id, "new": ops_id}

    counts = await client.get(
        "/api/v1/analytics/project-progress",
        params={"workspace_id": board.workspace_id, "project_id": ops_id},
        headers=headers,
    )
    assert (counts.json()["total"], counts.json()["done"]) == (2, 1)
    web = await client.get(
        "/api/v1/analytics/project-progress",
        params={"workspace_id": board.workspace_id, "project_id": board.project_id},
        headers=headers,
    )
    assert (web.json()["total"], web.json()["done"]) == (1, 0)

    foreign = (await new_board(client)).project_id
    for bad in (foreign, "no-such-project", None):
        refused = await client.patch(
            f"/api/v1/tasks/{parent['id']}", json={"project_id": bad}, headers=headers
        )
        assert refused.status_code == 422, (bad, refused.text)
    viewer = await client.patch(
        f"/api/v1/tasks/{parent['id']}",
        json={"project_id": board.project_id},
        headers=board.viewer.headers,
    )
    assert viewer.status_code == 403
