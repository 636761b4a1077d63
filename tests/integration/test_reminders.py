"""Due-soon and overdue reminders: once per task and due date, across runs and concurrent
runs, re-armed by a new due date, written in the assignee's time zone. The job functions
are called with a fixed "now" (docs/notifications.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from smarttask.db.engine import Database
from smarttask.notifications.reminders import Reminded, remind
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import Account

API = "/api/v1"
DUE = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)


async def run(app: Any, now: datetime, hours: int = 24) -> Reminded:
    database: Database = app.state.database
    async with database.session() as session:
        done = await remind(session, now, hours)
        await session.commit()
    return done


async def reminders_of(client: httpx.AsyncClient, who: Account) -> list[dict[str, Any]]:
    items = await walk(client, f"{API}/notifications", who.headers)
    return [n for n in items if n["type"] in ("due_soon", "overdue")]


async def due_task(client: httpx.AsyncClient, board: Board, **fields: Any) -> dict[str, Any]:
    return await new_task(
        client,
        board,
        title="Ship it",
        assignee_id=board.member.id,
        due_at=DUE.isoformat(),
        **fields,
    )


async def test_due_soon_then_overdue_once_each(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await due_task(client, board)
    assert await run(app, DUE - timedelta(hours=25)) == Reminded()  # not yet in the window
    assert await run(app, DUE - timedelta(hours=2)) == Reminded(due_soon=1)
    assert await run(app, DUE - timedelta(hours=1)) == Reminded()  # a second run: nothing
    assert await run(app, DUE) == Reminded(overdue=1)  # the due moment itself has passed
    assert await run(app, DUE + timedelta(hours=3)) == Reminded()
    late, soon = await reminders_of(client, board.member)
    key = f"WEB-{task['number']} \u201cShip it\u201d"
    assert soon["type"] == "due_soon"
    assert late["type"] == "overdue"
    assert soon["summary"] == f"{key} is due Mon 10 Mar 2031, 09:00 (UTC)"
    assert late["summary"] == f"{key} is overdue: it was due Mon 10 Mar 2031, 09:00 (UTC)"
    assert soon["actor_id"] is None
    assert soon["task_id"] == task["id"]
    assert await reminders_of(client, board.owner) == []


async def test_a_new_due_date_arms_the_reminders_again(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await due_task(client, board)
    assert await run(app, DUE + timedelta(hours=1)) == Reminded(overdue=1)
    later = DUE + timedelta(days=2)
    moved = await client.patch(
        f"{API}/tasks/{task['id']}", json={"due_at": later.isoformat()}, headers=board.owner.headers
    )
    assert moved.status_code == 200
    assert await run(app, later - timedelta(hours=3)) == Reminded(due_soon=1)
    assert await run(app, later + timedelta(minutes=1)) == Reminded(overdue=1)
    assert len(await reminders_of(client, board.member)) == 3


async def test_two_concurrent_runs_send_each_reminder_once(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    for _ in range(3):
        await due_task(client, board)
    runs = await asyncio.gather(*(run(app, DUE - timedelta(hours=1)) for _ in range(2)))
    assert sum(r.due_soon for r in runs) == 3
    assert len(await reminders_of(client, board.member)) == 3
    runs = await asyncio.gather(*(run(app, DUE + timedelta(hours=1)) for _ in range(2)))
    assert sum(r.overdue for r in runs) == 3
    assert len(await reminders_of(client, board.member)) == 6


async def test_the_assignees_zone_and_who_is_left_out(app: Any, client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    zoned = await client.patch(
        f"{API}/users/me", json={"timezone": "Asia/Tokyo"}, headers=board.member.headers
    )
    assert zoned.status_code == 200
    task = await due_task(client, board)
    await due_task(client, board, status="done")  # finished: no reminder
    await new_task(client, board, title="nobody's", due_at=DUE.isoformat())  # unassigned
    ancient = await due_task(client, board)
    old = await client.patch(
        f"{API}/tasks/{ancient['id']}",
        json={"due_at": (DUE - timedelta(days=8)).isoformat()},
        headers=board.owner.headers,
    )
    assert old.status_code == 200
    assert await run(app, DUE - timedelta(hours=1)) == Reminded(due_soon=1)
    assert await run(app, DUE + timedelta(hours=1)) == Reminded(overdue=1)  # not the 8-day-old
    [late, soon] = await reminders_of(client, board.member)
    assert soon["task_id"] == late["task_id"] == task["id"]
    assert soon["summary"].endswith("is due Mon 10 Mar 2031, 18:00 (Asia/Tokyo)")

    # a viewer cannot be assigned; a member who leaves is no longer reminded
    other = await due_task(client, board)
    gone = await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    assert gone.status_code == 204
    assert await run(app, DUE + timedelta(hours=2)) == Reminded()
    assert other["id"] not in {n["task_id"] for n in await reminders_of(client, board.member)}
