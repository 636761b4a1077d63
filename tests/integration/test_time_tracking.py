"""Time tracking (docs/planning.md): entries of both shapes and their refusals, who may
change them, timers (one running per user, even under concurrent starts), the task's
total and the custom report's metric."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from smarttask.db.engine import Database
from smarttask.settings import Settings
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import signup


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A second handle on the test database, to count running timers."""
    db = Database(settings.database)
    yield db
    await db.dispose()


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _log(
    client: httpx.AsyncClient, board: Board, task_id: str, body: dict[str, Any], who: Any = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/tasks/{task_id}/time-entries",
        json=body,
        headers=(who or board.member).headers,
    )


async def _task(client: httpx.AsyncClient, board: Board, task_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/tasks/{task_id}", headers=board.viewer.headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_entries_of_both_shapes_add_up_on_the_task(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    interval = await _log(
        client,
        board,
        task["id"],
        {"started_at": _stamp(start), "ended_at": _stamp(start + timedelta(minutes=90))},
    )
    assert interval.status_code == 201, interval.text
    body = interval.json()
    assert (body["minutes"], body["date"], body["running"]) == (90, "2026-11-30", False)
    assert body["user_id"] == board.member.id
    assert interval.headers["location"] == f"/api/v1/time-entries/{body['id']}"
    duration = await _log(
        client, board, task["id"], {"minutes": 45, "date": "2026-12-01", "note": "review"}
    )
    assert duration.status_code == 201, duration.text
    assert duration.json()["started_at"] is None
    after = await _task(client, board, task["id"])
    assert after["time_spent_minutes"] == 135
    assert after["version"] == task["version"]  # logging time is not an edit of the task
    url = f"/api/v1/tasks/{task['id']}/time-entries"
    listed = await walk(client, url, board.viewer.headers, limit=1)
    assert [e["id"] for e in listed] == [duration.json()["id"], body["id"]]  # newest first
    assert (
        await client.get(url, params={"limit": 0}, headers=board.viewer.headers)
    ).status_code == 422
    trail = await client.get(f"/api/v1/tasks/{task['id']}/activity", headers=board.member.headers)
    assert trail.status_code == 200
    one = await client.get(f"/api/v1/time-entries/{body['id']}", headers=board.viewer.headers)
    assert one.status_code == 200
    assert one.headers["etag"]


async def test_bad_entries_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=3)
    refused: list[dict[str, Any]] = [
        {},
        {"note": "nothing else"},
        {"started_at": _stamp(start)},
        {"minutes": 30},
        {"date": "2026-12-01"},
        {"started_at": _stamp(start), "ended_at": _stamp(now), "minutes": 30, "date": "2026-12-01"},
        {"started_at": _stamp(start), "ended_at": _stamp(start)},
        {"started_at": _stamp(start), "ended_at": _stamp(start - timedelta(minutes=5))},
        {"started_at": _stamp(start), "ended_at": _stamp(start + timedelta(seconds=30))},
        {"started_at": _stamp(start - timedelta(hours=30)), "ended_at": _stamp(start)},
        {
            "started_at": _stamp(now + timedelta(days=2)),
            "ended_at": _stamp(now + timedelta(days=2, hours=1)),
        },
        {"started_at": "2026-12-01T09:00:00", "ended_at": "2026-12-01T10:00:00"},
        {"minutes": 0, "date": "2026-12-01"},
        {"minutes": 1441, "date": "2026-12-01"},
        {"minutes": "ten", "date": "2026-12-01"},
        {"minutes": 30, "date": (now + timedelta(days=5)).date().isoformat()},
        {"minutes": 30, "date": "1999-12-31"},
        # An interval before 2000 (in a zone behind UTC, year 1 would leave the calendar).
        {"started_at": "0001-01-01T00:00:00Z", "ended_at": "0001-01-01T01:00:00Z"},
        {"minutes": 30, "date": "2026-12-01", "user_id": board.owner.id},
        {"minutes": 30, "date": "2026-12-01", "note": "a\u0000b"},
        {"minutes": 30, "date": "2026-12-01", "note": "x" * 501},
    ]
    for body in refused:
        answer = await _log(client, board, task["id"], body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    good = {"minutes": 30, "date": "2026-12-01"}
    assert (await _log(client, board, task["id"], good, board.viewer)).status_code == 403
    outsider = await signup(client, "x")
    assert (await _log(client, board, task["id"], good, outsider)).status_code == 404
    assert (await _log(client, board, "no-such-task", good)).status_code == 404
    listed = await client.get(f"/api/v1/tasks/{task['id']}/time-entries", headers=outsider.headers)
    assert listed.status_code == 404
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 0
    entries = await walk(client, f"/api/v1/tasks/{task['id']}/time-entries", board.member.headers)
    assert entries == []


async def test_only_the_author_or_an_admin_changes_an_entry(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    created = await _log(client, board, task["id"], {"minutes": 30, "date": "2026-12-01"})
    entry = created.json()
    url = f"/api/v1/time-entries/{entry['id']}"
    other = await signup(client, "m2")
    from tests.support.workspaces import add_member

    await add_member(client, board.workspace_id, board.owner, other, "member")
    assert (await client.patch(url, json={"minutes": 5}, headers=other.headers)).status_code == 403
    assert (await client.delete(url, headers=board.viewer.headers)).status_code == 403
    stale = board.member.headers | {"If-Match": '"999"'}
    assert (await client.patch(url, json={"minutes": 5}, headers=stale)).status_code == 412
    fresh = board.member.headers | {"If-Match": created.headers["etag"]}
    changed = await client.patch(url, json={"minutes": 50, "note": "more"}, headers=fresh)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["minutes"], changed.json()["note"]) == (50, "more")
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 50
    wrong_shape = await client.patch(
        url, json={"started_at": "2026-12-01T09:00:00Z"}, headers=board.member.headers
    )
    assert wrong_shape.status_code == 422
    assert (
        await client.patch(url, json={"minutes": 0}, headers=board.member.headers)
    ).status_code == 422
    assert (
        await client.patch(url, json={"bogus": 1}, headers=board.member.headers)
    ).status_code == 422
    admin_edit = await client.patch(url, json={"minutes": 20}, headers=board.owner.headers)
    assert admin_edit.status_code == 200
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 20
    assert (await client.delete(url, headers=board.owner.headers)).status_code == 204
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 0
    assert (await client.get(url, headers=board.member.headers)).status_code == 404
    trail = await client.get(
        "/api/v1/tasks/" + task["id"] + "/activity", headers=board.member.headers
    )
    assert trail.status_code == 200


async def test_a_timer_starts_stops_and_moves_toggl_style(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    first, second = await new_task(client, board), await new_task(client, board, title="B")
    me = "/api/v1/users/me/timer"
    assert (await client.get(me, headers=board.member.headers)).status_code == 404
    started = await client.post(f"/api/v1/tasks/{first['id']}/timer", headers=board.member.headers)
    assert started.status_code == 201, started.text
    assert started.json()["running"] is True
    again = await client.post(f"/api/v1/tasks/{first['id']}/timer", headers=board.member.headers)
    assert (again.status_code, again.json()["id"]) == (200, started.json()["id"])
    running = await client.get(me, headers=board.member.headers)
    assert running.json()["id"] == started.json()["id"]
    moved = await client.post(f"/api/v1/tasks/{second['id']}/timer", headers=board.member.headers)
    assert moved.status_code == 201
    old = await client.get(
        f"/api/v1/time-entries/{started.json()['id']}", headers=board.member.headers
    )
    assert old.json()["running"] is False
    assert old.json()["ended_at"] is not None
    assert old.json()["minutes"] == 0
    none_here = await client.delete(
        f"/api/v1/tasks/{first['id']}/timer", headers=board.member.headers
    )
    assert none_here.status_code == 404
    stopped = await client.delete(
        f"/api/v1/tasks/{second['id']}/timer", headers=board.member.headers
    )
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["running"] is False
    assert (await client.get(me, headers=board.member.headers)).status_code == 404
    assert (
        await client.post(f"/api/v1/tasks/{first['id']}/timer", headers=board.viewer.headers)
    ).status_code == 403
    # A timer that ran for two hours counts 120 minutes on its task when stopped.
    restarted = await client.post(
        f"/api/v1/tasks/{first['id']}/timer", headers=board.member.headers
    )
    async with database.session() as session:
        await session.execute(
            text("UPDATE time_entry SET started_at = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - timedelta(hours=2, seconds=5), "id": restarted.json()["id"]},
        )
        await session.commit()
    done = await client.delete(f"/api/v1/tasks/{first['id']}/timer", headers=board.member.headers)
    assert done.json()["minutes"] == 120
    assert (await _task(client, board, first["id"]))["time_spent_minutes"] == 120


async def test_concurrent_starts_leave_one_running_timer(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    tasks = [await new_task(client, board, title=f"T{n}") for n in range(8)]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/tasks/{task['id']}/timer", headers=board.member.headers)
            for task in tasks
        )
    )
    statuses = [answer.status_code for answer in answers]
    assert 201 in statuses, [a.text for a in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    async with database.session() as session:
        running = await session.scalar(
            text(
                "SELECT count(*) FROM time_entry WHERE user_id = :u "
                "AND ended_at IS NULL AND started_at IS NOT NULL"
            ),
            {"u": board.member.id},
        )
    assert running == 1
    same = await asyncio.gather(
        *(
            client.post(f"/api/v1/tasks/{tasks[0]['id']}/timer", headers=board.owner.headers)
            for _ in range(8)
        )
    )
    assert {answer.status_code for answer in same} <= {200, 201, 409}
    async with database.session() as session:
        owners = await session.scalar(
            text("SELECT count(*) FROM time_entry WHERE user_id = :u"), {"u": board.owner.id}
        )
    assert owners == 1


async def test_the_custom_report_sums_time_spent(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    first, second = await new_task(client, board), await new_task(client, board, status="done")
    await _log(client, board, first["id"], {"minutes": 30, "date": "2026-12-01"})
    await _log(client, board, first["id"], {"minutes": 15, "date": "2026-12-01"})
    await _log(client, board, second["id"], {"minutes": 60, "date": "2026-12-01"})
    answer = await client.post(
        "/api/v1/analytics/custom-report",
        params={"workspace_id": board.workspace_id},
        json={"dimensions": ["status"], "metrics": ["time_spent_minutes_sum", "created"]},
        headers=board.member.headers,
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["columns"] == ["status", "time_spent_minutes_sum", "created"]
    assert sorted(result["rows"]) == [["done", 60, 1], ["todo", 45, 1]]


async def test_concurrent_logging_keeps_every_minute_and_posts_replay(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    task = await new_task(client, board)
    answers = await asyncio.gather(
        *(_log(client, board, task["id"], {"minutes": 10, "date": "2026-12-01"}) for _ in range(8))
    )
    assert [answer.status_code for answer in answers] == [201] * 8
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 80
    # Idempotency-Key: the same POST is answered again, not written again.
    url = f"/api/v1/tasks/{task['id']}/time-entries"
    headers = board.member.headers | {"Idempotency-Key": "log-once"}
    body = {"minutes": 5, "date": "2026-12-01"}
    first = await client.post(url, json=body, headers=headers)
    again = await client.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert (await _task(client, board, task["id"]))["time_spent_minutes"] == 85
    timer = f"/api/v1/tasks/{task['id']}/timer"
    keyed = board.member.headers | {"Idempotency-Key": "start-once"}
    started = await client.post(timer, headers=keyed)
    replayed = await client.post(timer, headers=keyed)
    assert replayed.headers.get("idempotent-replayed") == "true"
    assert replayed.json()["id"] == started.json()["id"]
