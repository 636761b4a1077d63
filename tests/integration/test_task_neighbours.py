"""A task's subtasks and dependencies as lists (docs/api.md, Tasks)."""

from __future__ import annotations

import httpx

from tests.support.tasks import counting_queries, new_board, new_task, walk


async def test_subtasks_are_listed_oldest_first_page_by_page(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    parent = await new_task(client, board, title="parent")
    children = [
        await new_task(client, board, title=f"child {i}", parent_id=parent["id"], labels=["x"])
        for i in range(5)
    ]
    await new_task(client, board, title="grandchild", parent_id=children[0]["id"])
    await new_task(client, board, title="unrelated")
    url = f"/api/v1/tasks/{parent['id']}/subtasks"
    listed = await walk(client, url, board.viewer.headers, limit=2)
    assert [task["title"] for task in listed] == [f"child {i}" for i in range(5)]
    assert (
        listed[0]
        == (
            await client.get(f"/api/v1/tasks/{children[0]['id']}", headers=board.viewer.headers)
        ).json()
    )
    leaf = await client.get(
        f"/api/v1/tasks/{children[1]['id']}/subtasks", headers=board.viewer.headers
    )
    assert leaf.json() == {"items": [], "next_cursor": None}


async def test_dependencies_are_listed_in_the_order_added(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="task")
    others = [await new_task(client, board, title=f"needed {i}") for i in range(4)]
    for other in reversed(others):
        added = await client.post(
            f"/api/v1/tasks/{task['id']}/dependencies",
            json={"depends_on_id": other["id"]},
            headers=board.member.headers,
        )
        assert added.status_code == 201, added.text
    url = f"/api/v1/tasks/{task['id']}/dependencies"
    listed = await walk(client, url, board.viewer.headers, limit=3)
    assert [t["title"] for t in listed] == [f"needed {i}" for i in (3, 2, 1, 0)]
    assert {t["id"] for t in listed} == set(
        (await client.get(f"/api/v1/tasks/{task['id']}", headers=board.viewer.headers)).json()[
            "depends_on"
        ]
    )


async def test_outsiders_get_404_and_bad_cursors_422(client: httpx.AsyncClient) -> None:
    board, other = await new_board(client), await new_board(client)
    task = await new_task(client, board)
    for part in ("subtasks", "dependencies"):
        url = f"/api/v1/tasks/{task['id']}/{part}"
        foreign = await client.get(url, headers=other.owner.headers)
        assert foreign.status_code == 404
        assert foreign.json()["detail"] == "There is no such task."
        assert (await client.get(url)).status_code == 401
        bad = await client.get(url, params={"cursor": "zz"}, headers=board.viewer.headers)
        assert bad.status_code == 422


async def test_a_page_costs_the_same_statements_whatever_its_size(
    app: object, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    small, large = await new_task(client, board), await new_task(client, board)
    only = await new_task(client, board, parent_id=small["id"])
    await client.post(
        f"/api/v1/tasks/{small['id']}/dependencies",
        json={"depends_on_id": only["id"]},
        headers=board.member.headers,
    )
    for i in range(6):
        child = await new_task(client, board, parent_id=large["id"], labels=[f"l{i}"])
        await client.post(
            f"/api/v1/tasks/{large['id']}/dependencies",
            json={"depends_on_id": child["id"]},
            headers=board.member.headers,
        )

    async def count(url: str) -> int:
        with counting_queries(app) as statements:
            response = await client.get(url, headers=board.viewer.headers)
            assert response.status_code == 200
        return len([s for s in statements if not s.startswith("BEGIN")])

    for part in ("subtasks", "dependencies"):
        one = await count(f"/api/v1/tasks/{small['id']}/{part}")
        six = await count(f"/api/v1/tasks/{large['id']}/{part}")
        assert one == six, part
