"""Moving cards: placement between neighbours, refusals, replays, and the rebalance job."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from smarttask.db.engine import Database
from smarttask.jobs.models import Job
from smarttask.jobs.worker import Worker
from smarttask.tasks import ordering, ordering_sql
from smarttask.tasks.models import Task
from tests.support import job_registry, make_settings
from tests.support.jobs import job_settings
from tests.support.tasks import Board, new_board, new_task


async def _column(client: httpx.AsyncClient, board: Board, status: str = "todo") -> list[str]:
    found = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks",
        params={"sort": "rank", "status": status, "limit": 100},
        headers=board.viewer.headers,
    )
    assert found.status_code == 200, found.text
    return [task["title"] for task in found.json()["items"]]


async def _move(
    client: httpx.AsyncClient, board: Board, task: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/tasks/{task['id']}/move", json=body, headers=board.member.headers
    )


async def test_cards_move_between_neighbours_and_across_columns(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    a, b, c, d = [await new_task(client, board, title=t) for t in "abcd"]
    assert await _column(client, board) == ["a", "b", "c", "d"]  # new cards go last
    assert (await _move(client, board, d, after_id=a["id"])).status_code == 200
    assert await _column(client, board) == ["a", "d", "b", "c"]
    assert (await _move(client, board, a, before_id=c["id"])).status_code == 200
    assert await _column(client, board) == ["d", "b", "a", "c"]
    assert (await _move(client, board, c, after_id=d["id"], before_id=b["id"])).status_code == 200
    assert await _column(client, board) == ["d", "c", "b", "a"]
    assert (await _move(client, board, b)).status_code == 200  # no neighbour: last
    assert await _column(client, board) == ["d", "c", "a", "b"]

    # Another column: the status follows the state; only the moved task changes.
    states = (
        await client.get(
            f"/api/v1/projects/{board.project_id}/states", headers=board.viewer.headers
        )
    ).json()["items"]
    doing = states[1]["id"]
    before = (await client.get(f"/api/v1/tasks/{d['id']}", headers=board.viewer.headers)).json()
    moved = await _move(client, board, c, state_id=doing)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["state"]["id"]) == ("in_progress", doing)
    assert await _column(client, board) == ["d", "a", "b"]
    assert await _column(client, board, "in_progress") == ["c"]
    after = (await client.get(f"/api/v1/tasks/{d['id']}", headers=board.viewer.headers)).json()
    assert after == before
    moved = await _move(client, board, a, state_id=doing, before_id=c["id"])
    assert await _column(client, board, "in_progress") == ["a", "c"]
    trail = await client.get(f"/api/v1/tasks/{a['id']}/activity", headers=board.member.headers)
    assert "state_id" in trail.json()["items"][0]["changes"]

    # Refusals: a neighbour of another column (or itself) 422, viewers 403, strangers 404.
    assert (await _move(client, board, b, after_id=c["id"])).status_code == 422
    assert (await _move(client, board, b, after_id=b["id"])).status_code == 422
    assert (await _move(client, board, b, state_id=doing, after_id=d["id"])).status_code == 422
    assert (await _move(client, board, b, after_id=b["id"] + "x")).status_code == 422
    assert (await _move(client, board, d, after_id=b["id"], before_id=a["id"])).status_code == 422
    assert (await _move(client, board, b, where="top")).status_code == 422
    other = await new_board(client)
    foreign_state = (
        await client.get(
            f"/api/v1/projects/{other.project_id}/states", headers=other.viewer.headers
        )
    ).json()["items"][0]["id"]
    assert (await _move(client, board, b, state_id=foreign_state)).status_code == 422
    viewer = await client.post(
        f"/api/v1/tasks/{b['id']}/move", json={}, headers=board.viewer.headers
    )
    assert viewer.status_code == 403
    stranger = await client.post(
        f"/api/v1/tasks/{b['id']}/move", json={}, headers=other.owner.headers
    )
    assert stranger.status_code == 404
    assert await _column(client, board) == ["d", "b"]


async def test_a_move_replays_with_its_idempotency_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    a, b, c = [await new_task(client, board, title=t) for t in "abc"]
    headers = board.member.headers | {"Idempotency-Key": "move-c-first"}
    url = f"/api/v1/tasks/{c['id']}/move"
    first = await client.post(url, json={"before_id": a["id"]}, headers=headers)
    assert first.status_code == 200, first.text
    assert (await _move(client, board, a, before_id=c["id"])).status_code == 200
    again = await client.post(url, json={"before_id": a["id"]}, headers=headers)
    assert again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert await _column(client, board) == ["a", "c", "b"]  # nothing written again
    other = await client.post(url, json={"before_id": b["id"]}, headers=headers)
    assert other.status_code == 422


async def test_long_ranks_queue_a_rebalance_that_keeps_the_order_and_versions(
    client: httpx.AsyncClient, database_url: str
) -> None:
    board = await new_board(client)
    cards = [await new_task(client, board, title=f"t{i}") for i in range(4)]
    # Insert again and again right after the first card: the gap halves, the ranks grow.
    first, others = cards[0], cards[1:]
    for i in range(240):
        moved = await _move(client, board, others[i % 3], after_id=first["id"])
        assert moved.status_code == 200
    before = await _column(client, board)
    database = Database(make_settings(database_url).database)
    try:
        async with database.session() as session:
            tasks = await session.execute(select(Task).where(Task.project_id == board.project_id))
            longest = max(len(task.rank) for task in tasks.scalars())
            jobs = (
                (await session.execute(select(Job.payload).where(Job.kind == ordering.REBALANCE)))
                .scalars()
                .all()
            )
        assert longest > 32
        assert len(jobs) == 1  # deduplicated while queued
        versions = {
            t["id"]: t["version"]
            for t in (
                await client.get(
                    f"/api/v1/projects/{board.project_id}/tasks",
                    params={"limit": 100},
                    headers=board.viewer.headers,
                )
            ).json()["items"]
        }
        settings = job_settings(database_url)
        assert await Worker(database, settings, job_registry()).drain() >= 1
        async with database.session() as session:
            tasks = await session.execute(select(Task).where(Task.project_id == board.project_id))
            rows = list(tasks.scalars())
        assert max(len(task.rank) for task in rows) <= 3
        assert {task.id: task.version for task in rows} == versions
        assert await _column(client, board) == before
        # Equal neighbours (created at once) are spread before a card goes between them.
        async with database.session() as session:
            await session.execute(
                update(Task).where(Task.project_id == board.project_id).values(rank="a0")
            )
            await session.commit()
        tie = await _column(client, board)
        moved = await _move(
            client,
            board,
            next(c for c in cards if c["title"] == tie[0]),
            after_id=next(c for c in cards if c["title"] == tie[1])["id"],
            before_id=next(c for c in cards if c["title"] == tie[2])["id"],
        )
        assert moved.status_code == 200, moved.text
        assert await _column(client, board) == [tie[1], tie[0], tie[2], tie[3]]
    finally:
        await database.dispose()


async def test_the_board_counts_a_column_up_to_its_cap(
    client: httpx.AsyncClient, database_url: str
) -> None:
    board = await new_board(client)
    for i in range(5):
        await new_task(client, board, title=f"t{i}")
    await new_task(client, board, title="doing", status="in_progress")
    database = Database(make_settings(database_url).database)
    try:
        async with database.session() as session:
            capped = await ordering_sql.columns(session, board.project_id, 3)
            exact = await ordering_sql.columns(session, board.project_id, 10)
    finally:
        await database.dispose()
    assert [(state.name, count) for state, count in capped] == [
        ("To do", 4), ("In progress", 1), ("Done", 0), ("Cancelled", 0)
    ]  # fmt: skip
    assert [count for _, count in exact] == [5, 1, 0, 0]
