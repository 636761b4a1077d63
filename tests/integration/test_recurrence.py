"""Recurring tasks (docs/planning.md): validation, next occurrences (with DST and from
completion), exactly one next occurrence under concurrent completions, skipping and ending."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import add_member, signup

WEEKLY = {"rrule": "FREQ=WEEKLY", "from": "due"}


async def _tasks(client: httpx.AsyncClient, board: Board) -> list[dict[str, Any]]:
    return await walk(
        client, f"/api/v1/projects/{board.project_id}/tasks", board.member.headers, limit=100
    )


async def _patch(
    client: httpx.AsyncClient, board: Board, task_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"/api/v1/tasks/{task_id}", json=body, headers=board.member.headers)


async def _complete(client: httpx.AsyncClient, board: Board, task_id: str) -> dict[str, Any]:
    answer = await _patch(client, board, task_id, {"status": "done"})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _successors(tasks: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [t for t in tasks if t["title"] == title and t["status"] != "done"]


async def _zone(client: httpx.AsyncClient, board: Board, zone: str) -> None:
    answer = await client.patch(
        f"/api/v1/workspaces/{board.workspace_id}",
        json={"timezone": zone},
        headers=board.owner.headers,
    )
    assert answer.status_code == 200, answer.text


async def test_bad_recurrences_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    url = f"/api/v1/projects/{board.project_id}/tasks"
    due = "2027-01-04T09:00:00Z"
    refused: list[dict[str, Any]] = [
        {"rrule": "FREQ=FORTNIGHTLY", "from": "due"},
        {"rrule": "not a rule", "from": "due"},
        {"rrule": "FREQ=HOURLY", "from": "due"},
        {"rrule": "FREQ=MINUTELY;INTERVAL=5", "from": "due"},
        {"rrule": "FREQ=DAILY\nFREQ=WEEKLY", "from": "due"},
        {"rrule": "DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY", "from": "due"},
        {"rrule": "FREQ=DAILY;UNTIL=20270101T000000Z", "from": "due"},  # over before the due
        {"rrule": "FREQ=DAILY;COUNT=1", "from": "due"},  # the task itself is the only one
        {"rrule": "FREQ=DAILY;COUNT=3", "from": "completion"},
        {"rrule": "FREQ=DAILY", "from": "yesterday"},
        {"rrule": "FREQ=DAILY", "from": "due", "extra": 1},
        {"rrule": "FREQ=DAILY\u0000", "from": "due"},
        {"rrule": "", "from": "due"},
    ]
    for recurrence in refused:
        answer = await client.post(
            url,
            json={"title": "Bad", "due_at": due, "recurrence": recurrence},
            headers=board.member.headers,
        )
        assert answer.status_code == 422, (recurrence, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"], answer.text
    no_due = await client.post(
        url, json={"title": "Bad", "recurrence": WEEKLY}, headers=board.member.headers
    )
    assert no_due.status_code == 422, no_due.text
    assert await _tasks(client, board) == []
    # On an update too, and clearing the due date of a series counted from it is refused.
    task = await new_task(client, board, title="Weekly", due_at=due, recurrence=WEEKLY)
    assert (await _patch(client, board, task["id"], {"due_at": None})).status_code == 422
    hourly = {"recurrence": {"rrule": "FREQ=HOURLY", "from": "due"}}
    assert (await _patch(client, board, task["id"], hourly)).status_code == 422
    after = (await client.get(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)).json()
    assert after["recurrence"] == WEEKLY
    assert after["due_at"] == "2027-01-04T09:00:00Z"
    assert after["version"] == task["version"]


async def test_a_rule_is_stored_without_its_prefix_and_read_everywhere(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    task = await new_task(
        client,
        board,
        due_at="2027-01-04T09:00:00Z",
        recurrence={"rrule": "RRULE:freq=weekly;byday=MO,WE"},
    )
    expected = {"rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "from": "due"}
    assert task["recurrence"] == expected
    assert task["time_spent_minutes"] == 0
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.viewer.headers)
    assert read.json()["recurrence"] == expected
    assert [t["recurrence"] for t in await _tasks(client, board)] == [expected]
    plain = await new_task(client, board, title="Once")
    assert plain["recurrence"] is None


async def test_completing_creates_the_next_occurrence_in_local_time_across_dst(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    await _zone(client, board, "Europe/Paris")
    # Monday 22 March 2027, 09:00 in Paris (UTC+1); Paris moves to UTC+2 on 28 March.
    task = await new_task(
        client,
        board,
        title="Weekly sync",
        description="Notes",
        priority="high",
        assignee_id=board.member.id,
        labels=["team"],
        estimate_minutes=30,
        due_at="2027-03-22T08:00:00Z",
        recurrence=WEEKLY,
    )
    await _complete(client, board, task["id"])
    [following] = _successors(await _tasks(client, board), "Weekly sync")
    assert following["due_at"] == "2027-03-29T07:00:00Z"  # still 09:00 in Paris
    for field in ("description", "priority", "assignee_id", "labels", "estimate_minutes"):
        assert following[field] == task[field], field
    assert following["recurrence"] == WEEKLY
    assert following["status"] == "todo"
    trail = await client.get(
        f"/api/v1/tasks/{following['id']}/activity", headers=board.member.headers
    )
    [created] = trail.json()["items"]
    assert (created["action"], created["actor_id"]) == ("created", board.member.id)
    # Reopening and completing again does not make a second next occurrence.
    assert (await _patch(client, board, task["id"], {"status": "todo"})).status_code == 200
    await _complete(client, board, task["id"])
    assert len(_successors(await _tasks(client, board), "Weekly sync")) == 1
    # The next one completes into the one after, a week later.
    await _complete(client, board, following["id"])
    dues = sorted(t["due_at"] for t in _successors(await _tasks(client, board), "Weekly sync"))
    assert dues == ["2027-04-05T07:00:00Z"]


async def test_from_completion_counts_from_the_day_it_was_done(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(
        client,
        board,
        title="Water plants",
        due_at="2026-01-05T09:30:00Z",
        recurrence={"rrule": "FREQ=DAILY;INTERVAL=3", "from": "completion"},
    )
    done = await _complete(client, board, task["id"])
    completed = datetime.fromisoformat(done["completed_at"]).astimezone(UTC)
    [following] = _successors(await _tasks(client, board), "Water plants")
    expected = datetime.combine(completed.date() + timedelta(days=3), datetime.min.time(), UTC)
    assert following["due_at"] == (expected + timedelta(hours=9, minutes=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # Without a due date, a series from completion keeps its rule's time of day.
    undated = await new_task(
        client,
        board,
        title="Stretch",
        recurrence={"rrule": "FREQ=WEEKLY;BYHOUR=7;BYMINUTE=0;BYSECOND=0", "from": "completion"},
    )
    await _complete(client, board, undated["id"])
    [stretch] = _successors(await _tasks(client, board), "Stretch")
    due = datetime.fromisoformat(stretch["due_at"])
    assert (due.hour, due.minute) == (7, 0)
    assert timedelta(days=6) < due - completed < timedelta(days=8)


async def test_eight_concurrent_completions_create_exactly_one_next_occurrence(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    members = [await signup(client, f"c{n}") for n in range(8)]
    for member in members:
        await add_member(client, board.workspace_id, board.owner, member, "member")
    task = await new_task(
        client, board, title="Daily report", due_at="2027-02-01T10:00:00Z", recurrence=WEEKLY
    )
    url = f"/api/v1/tasks/{task['id']}"
    answers = await asyncio.gather(
        *(client.patch(url, json={"status": "done"}, headers=m.headers) for m in members)
    )
    statuses = [answer.status_code for answer in answers]
    assert 200 in statuses, [a.text for a in answers]
    assert set(statuses) <= {200, 409, 412}, [a.text for a in answers]
    [following] = _successors(await _tasks(client, board), "Daily report")
    assert following["due_at"] == "2027-02-08T10:00:00Z"
    assert len(await _tasks(client, board)) == 2


async def test_skip_moves_the_due_date_and_a_series_ends(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(
        client, board, title="Invoices", due_at="2027-01-04T09:00:00Z", recurrence=WEEKLY
    )
    skip = f"/api/v1/tasks/{task['id']}/recurrence/skip"
    skipped = await client.post(skip, headers=board.member.headers)
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["due_at"] == "2027-01-11T09:00:00Z"
    assert skipped.json()["status"] == "todo"
    assert skipped.headers["etag"]
    assert len(await _tasks(client, board)) == 1
    assert (await client.post(skip, headers=board.viewer.headers)).status_code == 403
    outsider = await signup(client, "x")
    assert (await client.post(skip, headers=outsider.headers)).status_code == 404
    # recurrence: null ends the series: completing makes no next occurrence.
    ended = await _patch(client, board, task["id"], {"recurrence": None})
    assert ended.json()["recurrence"] is None
    assert (await client.post(skip, headers=board.member.headers)).status_code == 422
    await _complete(client, board, task["id"])
    assert len(await _tasks(client, board)) == 1
    # COUNT=2: the task and one more; completing the last one creates nothing.
    counted = await new_task(
        client,
        board,
        title="Twice",
        due_at="2027-01-04T09:00:00Z",
        recurrence={"rrule": "FREQ=DAILY;COUNT=2", "from": "due"},
    )
    await _complete(client, board, counted["id"])
    [second] = _successors(await _tasks(client, board), "Twice")
    assert second["due_at"] == "2027-01-05T09:00:00Z"
    no_more = await client.post(
        f"/api/v1/tasks/{second['id']}/recurrence/skip", headers=board.member.headers
    )
    assert no_more.status_code == 422, no_more.text
    await _complete(client, board, second["id"])
    assert _successors(await _tasks(client, board), "Twice") == []


async def test_skip_replays_with_an_idempotency_key(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(
        client, board, title="Standup", due_at="2027-01-04T09:00:00Z", recurrence=WEEKLY
    )
    skip = f"/api/v1/tasks/{task['id']}/recurrence/skip"
    headers = board.member.headers | {"Idempotency-Key": "skip-once"}
    first = await client.post(skip, headers=headers)
    again = await client.post(skip, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["due_at"] == first.json()["due_at"] == "2027-01-11T09:00:00Z"
    after = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    assert after.json()["due_at"] == "2027-01-11T09:00:00Z"
