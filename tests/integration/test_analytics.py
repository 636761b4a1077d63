"""Analytics (contract §8): every figure equals a recount from the raw tasks and facts.

The recount below is written from the definitions (docs/analytics.md), task by task, with
none of the aggregates' code: a task's facts give its state at the end of any day, its
standing completion is its last move into done while it is done, and deleted tasks count
nowhere.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from smarttask.db.engine import Database
from smarttask.history import service as history
from smarttask.history.effects import State
from smarttask.settings import Settings
from tests.support.tasks import Board, new_board, new_task

STATUSES = ("todo", "in_progress", "done", "cancelled")
OPEN = ("todo", "in_progress")


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A second handle on the test database, for the recount and the rebuild."""
    db = Database(settings.database)
    yield db
    await db.dispose()


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _recount(database: Database, workspace_id: str, zone: str) -> dict[str, Any]:
    """The figures, from the raw rows (tasks now; facts for history)."""
    where = ZoneInfo(zone)
    async with database.session() as session:
        tasks = (
            await session.execute(
                text(
                    "SELECT id, project_id, assignee_id, status, due_at, risk_level, "
                    "created_at, completed_at FROM task WHERE workspace_id = :w"
                ),
                {"w": workspace_id},
            )
        ).all()
        facts = (
            await session.execute(
                text(
                    "SELECT task_id, version, at, kind, project_id, assignee_id, status, due_at "
                    "FROM task_fact WHERE workspace_id = :w ORDER BY task_id, version"
                ),
                {"w": workspace_id},
            )
        ).all()
    histories: dict[str, list[Any]] = {}
    for fact in facts:
        histories.setdefault(fact.task_id, []).append(fact)
    live = {t.id for t in tasks}
    assert {t for t, h in histories.items() if h[-1].kind != "deleted"} == live
    now = datetime.now(UTC)
    totals = Counter(t.status for t in tasks)
    created: Counter[date] = Counter()
    completions: dict[str, tuple[datetime, str | None, bool, bool, int]] = {}
    for task_id in live:
        history_of = histories[task_id]
        created[_aware(history_of[0].at).astimezone(where).date()] += 1  # type: ignore[union-attr]
        last_done = None
        for previous, fact in zip([None, *history_of], history_of, strict=False):
            if fact.status == "done" and (previous is None or previous.status != "done"):
                last_done = fact
        if history_of[-1].status == "done":
            assert last_done is not None
            at = _aware(last_done.at)
            due = _aware(last_done.due_at)
            task = next(t for t in tasks if t.id == task_id)
            assert _aware(task.completed_at) == at  # the task says the same
            cycle = max(0, int((at - _aware(task.created_at)).total_seconds()))  # type: ignore[operator]
            completions[task_id] = (
                at,  # type: ignore[assignment]
                last_done.assignee_id,
                due is not None,
                due is not None and at <= due,  # type: ignore[operator]
                cycle,
            )
    return {
        "tasks": tasks,
        "histories": histories,
        "live": live,
        "totals": {
            **{s: totals.get(s, 0) for s in STATUSES},
            "overdue": sum(
                1 for t in tasks if t.status in OPEN and t.due_at and _aware(t.due_at) < now
            ),
            "at_risk": sum(1 for t in tasks if t.status in OPEN and t.risk_level == "high"),
        },
        "created": created,
        "completions": completions,
        "zone": where,
    }


def _nearest(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] / 3600, 2)


def _state_at(history_of: list[Any], end: datetime) -> Any:
    state = None
    for fact in history_of:
        if _aware(fact.at) <= end:  # type: ignore[operator]
            state = fact
    return state


async def _check(
    client: httpx.AsyncClient, database: Database, board: Board, zone: str = "UTC"
) -> None:
    """Every figure of the §8 calls equals the recount."""
    counted = await _recount(database, board.workspace_id, zone)
    where = counted["zone"]
    today = datetime.now(where).date()
    start = today - timedelta(days=6)
    params = {"workspace_id": board.workspace_id, "from": start.isoformat()}
    owner = board.owner.headers
    dash = (await client.get("/api/v1/analytics/dashboard", params=params, headers=owner)).json()
    assert dash["totals"] == counted["totals"]
    days = [start + timedelta(days=n) for n in range(7)]
    assert dash["created_per_day"] == [
        {"date": d.isoformat(), "count": counted["created"].get(d, 0)} for d in days
    ]
    done_days = Counter(c[0].astimezone(where).date() for c in counted["completions"].values())
    assert dash["completed_per_day"] == [
        {"date": d.isoformat(), "count": done_days.get(d, 0)} for d in days
    ]
    in_range = [
        c for c in counted["completions"].values() if start <= c[0].astimezone(where).date()
    ]
    cycles = [c[4] for c in in_range]
    assert dash["cycle_time_hours"] == {"p50": _nearest(cycles, 0.5), "p85": _nearest(cycles, 0.85)}
    bounds = [86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400]
    spread = Counter(sum(c >= b for b in bounds) for c in cycles)
    assert [b["count"] for b in dash["cycle_time_distribution"]] == [spread[i] for i in range(6)]
    open_by = Counter(t.assignee_id for t in counted["tasks"] if t.status in OPEN and t.assignee_id)
    assert {w["user_id"]: w["open_assigned"] for w in dash["workload"]} == dict(open_by)

    team = await client.get("/api/v1/analytics/team-performance", params=params, headers=owner)
    assert team.status_code == 200, team.text
    for member in team.json()["members"]:
        mine = [c for c in in_range if c[1] == member["user_id"]]
        assert member["open_assigned"] == open_by.get(member["user_id"], 0)
        assert member["completed"] == len(mine)
        assert member["completed_with_due_date"] == sum(c[2] for c in mine)
        assert member["completed_on_time"] == sum(c[3] for c in mine)
        assert member["cycle_time_hours_p50"] == _nearest([c[4] for c in mine], 0.5)

    me = await client.get("/api/v1/analytics/me", params=params, headers=board.member.headers)
    mine = [c for c in in_range if c[1] == board.member.id]
    assert me.json()["completed"] == len(mine)
    assert me.json()["open_assigned"] == open_by.get(board.member.id, 0)

    progress = await client.get(
        "/api/v1/analytics/project-progress",
        params=params | {"project_id": board.project_id},
        headers=owner,
    )
    assert progress.status_code == 200, progress.text
    body = progress.json()
    for point, day in zip(body["burnup"], days, strict=True):
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), where)
        end -= timedelta(microseconds=1)
        states = [_state_at(counted["histories"][t], end) for t in counted["live"]]
        here = [s for s in states if s is not None and s.project_id == board.project_id]
        assert point["scope"] == sum(1 for s in here if s.status != "cancelled"), day
        assert point["done"] == sum(1 for s in here if s.status == "done"), day
    now_here = [t for t in counted["tasks"] if t.project_id == board.project_id]
    assert body["total"] == sum(1 for t in now_here if t.status != "cancelled")
    assert body["done"] == sum(1 for t in now_here if t.status == "done")


async def _random_writes(
    client: httpx.AsyncClient,
    board: Board,
    rng: random.Random,
    steps: int,
    projects: tuple[str, ...] = (),
) -> list[str]:
    """Creates, status changes back and forth, reassignments, due dates, moves between
    `projects` (with their subtasks), deletes."""
    people = [board.owner.id, board.member.id, None]
    projects = projects or (board.project_id,)
    ids: list[str] = []
    headers = board.member.headers
    for _ in range(steps):
        action = rng.random()
        if action < 0.3 or not ids:
            due = datetime.now(UTC) + timedelta(hours=rng.randint(-72, 72))
            body: dict[str, Any] = {
                "title": "t",
                "status": rng.choice(STATUSES),
                "assignee_id": rng.choice(people),
                "due_at": due.isoformat() if rng.random() < 0.6 else None,
                "estimate_minutes": rng.choice([None, 30, 90]),
            }
            if ids and rng.random() < 0.2:
                body["parent_id"] = rng.choice(ids)
            created = await client.post(
                f"/api/v1/projects/{rng.choice(projects)}/tasks", json=body, headers=headers
            )
            # A parent may have gone with an earlier deletion of its ancestor: 422.
            assert created.status_code in ((201, 422) if "parent_id" in body else (201,))
            if created.status_code == 201:
                ids.append(created.json()["id"])
        elif action < 0.85:
            task_id = rng.choice(ids)
            change = rng.choice(
                [
                    {"status": rng.choice(STATUSES)},
                    {"status": "done"},
                    {"status": "todo"},
                    {"assignee_id": rng.choice(people)},
                    {
                        "due_at": (
                            datetime.now(UTC) + timedelta(days=rng.randint(-3, 3))
                        ).isoformat()
                    },
                    {"estimate_minutes": rng.randint(1, 600)},
                    {"title": "renamed"},
                    {"project_id": rng.choice(projects)},
                ]
            )
            answer = await client.patch(f"/api/v1/tasks/{task_id}", json=change, headers=headers)
            # 404: deleted with an ancestor; 422: a subtask moves only with its parent.
            assert answer.status_code in (200, 404, 422), answer.text
            if answer.status_code == 422:
                assert "project_id" in change, answer.text
        else:
            task_id = ids.pop(rng.randrange(len(ids)))
            answer = await client.delete(f"/api/v1/tasks/{task_id}", headers=headers)
            assert answer.status_code in (204, 404), answer.text
    return ids


async def test_every_figure_equals_a_recount_and_survives_a_rebuild(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    other = await new_board(client)  # another workspace's writes never show
    rng = random.Random(1606)
    await _random_writes(client, other, random.Random(7), 15)
    third = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Third", "key": "THR"},
        headers=board.owner.headers,
    )
    await _random_writes(client, board, rng, 160, (board.project_id, third.json()["id"]))
    second = await client.post(
        f"/api/v1/workspaces/{board.workspace_id}/projects",
        json={"name": "Second", "key": "SEC"},
        headers=board.owner.headers,
    )
    doomed = second.json()["id"]
    for status in ("done", "todo", "in_progress"):
        await client.post(
            f"/api/v1/projects/{doomed}/tasks",
            json={"title": "goes", "status": status, "assignee_id": board.member.id},
            headers=board.member.headers,
        )
    await _check(client, database, board)
    deleted = await client.delete(f"/api/v1/projects/{doomed}", headers=board.owner.headers)
    assert deleted.status_code == 204
    await _check(client, database, board)

    async with database.session() as session:
        before = (
            await session.execute(text("SELECT * FROM analytics_day ORDER BY 1,2,3,4,5"))
        ).all()
        await history.rebuild(session, board.workspace_id)
        await session.commit()
        after = (
            await session.execute(text("SELECT * FROM analytics_day ORDER BY 1,2,3,4,5"))
        ).all()
    nonzero = [row for row in before if any(row[5:])]
    assert after == nonzero  # the rebuild drops the rows that sum to nothing, nothing else
    await _check(client, database, board)


async def test_concurrent_writers_keep_every_figure_exact(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    tasks = [(await new_task(client, board, assignee_id=board.member.id))["id"] for _ in range(6)]

    async def flip(task_id: str, rounds: int) -> None:
        for n in range(rounds):
            for change in (
                {"status": "done" if n % 2 == 0 else "todo"},
                {"assignee_id": board.owner.id if n % 2 else board.member.id},
            ):
                answer = await client.patch(
                    f"/api/v1/tasks/{task_id}", json=change, headers=board.member.headers
                )
                assert answer.status_code in (200, 409), answer.text

    # Two writers per task, on six tasks at once: they share the aggregates' rows.
    await asyncio.gather(*(flip(t, 5) for t in tasks for _ in range(2)))
    await _check(client, database, board)


async def test_days_are_counted_in_the_workspace_zone_across_dst(
    client: httpx.AsyncClient, database: Database
) -> None:
    """New York springs forward on 2026-03-08, Auckland falls back on 2026-04-05."""
    cases = {
        "America/New_York": [
            ("2026-03-08T06:30:00+00:00", "2026-03-08"),  # 01:30 EST
            ("2026-03-09T03:30:00+00:00", "2026-03-08"),  # 23:30 EDT (with EST: the 8th 22:30)
            ("2026-03-09T04:30:00+00:00", "2026-03-09"),  # 00:30 EDT (with EST: still the 8th)
        ],
        "Pacific/Auckland": [
            ("2026-04-04T12:30:00+00:00", "2026-04-05"),  # 01:30 NZDT
            ("2026-04-05T11:30:00+00:00", "2026-04-05"),  # 23:30 NZST (with NZDT: the 6th)
            ("2026-04-05T12:30:00+00:00", "2026-04-06"),  # 00:30 NZST
        ],
    }
    for zone, instants in cases.items():
        board = await new_board(client)
        changed = await client.patch(
            f"/api/v1/workspaces/{board.workspace_id}",
            json={"timezone": zone},
            headers=board.owner.headers,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["timezone"] == zone
        async with database.session() as session:
            for n, (instant, _) in enumerate(instants):
                at = datetime.fromisoformat(instant)
                state = State(board.project_id, None, "todo", 0, None, None, at)
                done = State(board.project_id, None, "done", 0, None, None, at)
                await history.record(
                    session,
                    board.workspace_id,
                    [
                        history.Change(f"t-{zone}-{n}", 1, at, None, state),
                        history.Change(f"t-{zone}-{n}", 2, at + timedelta(hours=1), state, done),
                    ],
                )
            await session.commit()
        first, last = instants[0][1], instants[-1][1]
        params = {"workspace_id": board.workspace_id, "from": first, "to": last}
        dash = await client.get(
            "/api/v1/analytics/dashboard", params=params, headers=board.owner.headers
        )
        expected = Counter(day for _, day in instants)
        assert {p["date"]: p["count"] for p in dash.json()["created_per_day"]} == {
            d: expected.get(d, 0) for d in sorted({first, last})
        }
        # Back to UTC: the same instants fall on UTC days, recounted from the facts.
        await client.patch(
            f"/api/v1/workspaces/{board.workspace_id}",
            json={"timezone": "UTC"},
            headers=board.owner.headers,
        )
        params = {"workspace_id": board.workspace_id, "from": "2026-03-01", "to": "2026-04-30"}
        dash = await client.get(
            "/api/v1/analytics/dashboard", params=params, headers=board.owner.headers
        )
        utc_days = Counter(i[:10] for i, _ in instants)
        got = {p["date"]: p["count"] for p in dash.json()["created_per_day"] if p["count"]}
        assert got == dict(utc_days)


async def test_who_sees_what(client: httpx.AsyncClient) -> None:
    board, other = await new_board(client), await new_board(client)
    base = {"workspace_id": board.workspace_id}
    calls = ["dashboard", "me", "team-performance"]
    for call in calls:
        stranger = await client.get(
            f"/api/v1/analytics/{call}", params=base, headers=other.owner.headers
        )
        assert stranger.status_code == 404, (call, stranger.text)
    for who, status in ((board.viewer, 403), (board.member, 403), (board.owner, 200)):
        answer = await client.get(
            "/api/v1/analytics/team-performance", params=base, headers=who.headers
        )
        assert answer.status_code == status
    viewer = await client.get(
        "/api/v1/analytics/dashboard", params=base, headers=board.viewer.headers
    )
    assert viewer.status_code == 200
    assert len(viewer.json()["created_per_day"]) == 30
    foreign_project = await client.get(
        "/api/v1/analytics/project-progress",
        params=base | {"project_id": other.project_id},
        headers=board.owner.headers,
    )
    assert foreign_project.status_code == 404
    for bad in (
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"from": "yesterday"},
        {"workspace_id": ""},
        {"to": "0001-01-01"},  # a default range before it would leave the calendar
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "1969-12-31", "to": "1970-01-05"},
    ):
        answer = await client.get(
            "/api/v1/analytics/dashboard", params=base | bad, headers=board.owner.headers
        )
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    missing = await client.get("/api/v1/analytics/dashboard", headers=board.owner.headers)
    assert missing.status_code == 422
    bad_zone = await client.patch(
        f"/api/v1/workspaces/{board.workspace_id}",
        json={"timezone": "Mars/Olympus_Mons"},
        headers=board.owner.headers,
    )
    assert bad_zone.status_code == 422


async def test_forecast_and_burnup_of_a_project(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    for n in range(10):
        await new_task(client, board, status="done" if n < 4 else "todo")
    await new_task(client, board, status="cancelled")
    params = {"workspace_id": board.workspace_id, "project_id": board.project_id}
    answer = await client.get(
        "/api/v1/analytics/project-progress", params=params, headers=board.viewer.headers
    )
    body = answer.json()
    assert (body["total"], body["done"], body["cancelled"]) == (10, 4, 1)
    assert body["completion_rate"] == 0.4
    assert body["burnup"][-1] == {"date": body["to"], "scope": 10, "done": 4}
    # Completed today only: yesterday's eight weeks hold no throughput, so no date is promised.
    assert body["forecast"]["p50_date"] is None
    assert body["forecast"]["remaining"] == 6
    assert "No task was completed" in body["forecast"]["note"]


async def _report(
    client: httpx.AsyncClient, board: Board, body: dict[str, Any], **params: str
) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/analytics/custom-report",
        params={"workspace_id": board.workspace_id, **params},
        json=body,
        headers=board.member.headers,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_custom_report_equals_a_recount(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    rng = random.Random(99)
    await _random_writes(client, board, rng, 60)
    labelled = await new_task(
        client, board, labels=["alpha", "beta"], status="done", priority="high"
    )
    await new_task(client, board, labels=["beta"], priority="high", estimate_minutes=45)
    names = {board.owner.id: "o", board.member.id: "m"}  # their names (tests/support)
    metrics = [
        "created",
        "completed",
        "open",
        "overdue",
        "completion_rate",
        "cycle_time_hours_avg",
        "cycle_time_hours_p50",
        "estimate_minutes_sum",
    ]
    result = await _report(
        client, board, {"dimensions": ["week", "assignee", "status"], "metrics": metrics}
    )
    assert result["columns"] == ["week", "assignee", "status", *metrics]
    async with database.session() as session:
        tasks = (
            await session.execute(
                text(
                    "SELECT id, assignee_id, status, priority, due_at, estimate_minutes, "
                    "created_at, completed_at FROM task WHERE workspace_id = :w"
                ),
                {"w": board.workspace_id},
            )
        ).all()
    now = datetime.now(UTC)
    start = datetime.combine(now.date() - timedelta(days=29), datetime.min.time(), UTC)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}

    def group(day: date, task: Any) -> dict[str, Any]:
        week = (day - timedelta(days=day.weekday())).isoformat()
        key = (week, names.get(task.assignee_id, "Unassigned"), task.status)
        return groups.setdefault(
            key, {"created": 0, "open": 0, "overdue": 0, "done": 0, "live": 0, "est": 0, "cyc": []}
        )

    for task in tasks:
        created_at = _aware(task.created_at)
        if created_at >= start:  # type: ignore[operator]
            g = group(created_at.date(), task)  # type: ignore[union-attr]
            g["created"] += 1
            g["open"] += task.status in OPEN
            g["overdue"] += (
                task.status in OPEN and task.due_at is not None and _aware(task.due_at) < now
            )  # type: ignore[operator]
            g["done"] += task.status == "done"
            g["live"] += task.status != "cancelled"
            g["est"] += task.estimate_minutes or 0
        completed_at = _aware(task.completed_at)
        if task.status == "done" and completed_at is not None and completed_at >= start:
            group(completed_at.date(), task)["cyc"].append(
                max(0, int((completed_at - created_at).total_seconds()))  # type: ignore[operator]
            )
    expected = []
    for key in sorted(groups):
        g = groups[key]
        cycles = g["cyc"]
        expected.append(
            [
                *key,
                g["created"],
                len(cycles),
                g["open"],
                g["overdue"],
                round(g["done"] / g["live"], 4) if g["live"] else None,
                round(sum(cycles) / len(cycles) / 3600, 2) if cycles else None,
                _nearest(cycles, 0.5),
                g["est"],
            ]
        )
    assert result["rows"] == expected
    assert result["truncated"] is False

    by_label = await _report(
        client,
        board,
        {
            "dimensions": ["label"],
            "metrics": ["created", "completed"],
            "filters": {"priority": ["high"]},
        },
    )
    rows = {row[0]: row[1:] for row in by_label["rows"]}
    high = [t for t in tasks if t.priority == 3]
    assert rows["alpha"] == [1, 1]
    assert rows["beta"][0] == 2
    assert sum(r[0] for r in rows.values()) >= len(high)
    only_alpha = await _report(
        client,
        board,
        {"dimensions": ["status"], "metrics": ["created"], "filters": {"label": "ALPHA"}},
    )
    assert only_alpha["rows"] == [["done", 1]]
    assert labelled["labels"] == ["alpha", "beta"]


async def test_custom_report_refuses_bad_definitions(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    for body in (
        {"dimensions": ["day", "week"], "metrics": ["created"]},
        {"dimensions": ["status", "status"], "metrics": ["created"]},
        {"dimensions": ["colour"], "metrics": ["created"]},
        {"metrics": ["velocity"]},
        {"metrics": []},
        {"dimensions": ["day", "assignee", "status", "label"], "metrics": ["created"]},
        {"metrics": ["created"], "filters": {"q": "a\u0000b"}},
        {"metrics": ["created"], "role": "owner"},
        {"metrics": ["created"], "days": 0},
        {"metrics": "created"},
    ):
        answer = await client.post(
            "/api/v1/analytics/custom-report",
            params={"workspace_id": board.workspace_id},
            json=body,
            headers=board.member.headers,
        )
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["errors"]
    stranger = await client.post(
        "/api/v1/analytics/custom-report",
        params={"workspace_id": board.workspace_id},
        json={"metrics": ["created"]},
        headers=(await new_board(client)).owner.headers,
    )
    assert stranger.status_code == 404


async def _aggregates(database: Database, workspace_id: str) -> list[list[Any]]:
    """The workspace's aggregate rows, zero rows left out, in key order."""
    tables = {
        "analytics_day": "day, project_id, assignee_key, status",
        "analytics_now": "project_id, assignee_key, status",
        "analytics_completion": "task_id",
    }
    found = []
    async with database.session() as session:
        for table, order in tables.items():
            rows = await session.execute(
                text(f"SELECT * FROM {table} WHERE workspace_id = :w ORDER BY {order}"),
                {"w": workspace_id},
            )
            # Rows whose counters all went back to zero say nothing; a rebuild leaves them out.
            counters = {"analytics_day": slice(5, None), "analytics_now": slice(4, None)}
            cut = counters.get(table)
            found.append([tuple(row) for row in rows if cut is None or any(row[cut])])
    return found


async def test_retention_folds_history_and_stays_exact(
    client: httpx.AsyncClient, database: Database
) -> None:
    from smarttask.history import retention

    board = await new_board(client)
    await _random_writes(client, board, random.Random(5), 50)
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    async with database.session() as session:
        purged = await retention.purge(session, board.workspace_id, tomorrow)
        await session.commit()
        kinds = set(
            (
                await session.execute(
                    text("SELECT DISTINCT kind FROM task_fact WHERE workspace_id = :w"),
                    {"w": board.workspace_id},
                )
            ).scalars()
        )
    assert purged.facts > 0
    assert kinds <= {"baseline"}  # every older fact folded into one per task
    # More writes after the purge: reopening tasks whose completion was purged, deleting.
    await _random_writes(client, board, random.Random(6), 40)
    counted = await _recount_now(database, board)
    dash = (
        await client.get(
            "/api/v1/analytics/dashboard",
            params={"workspace_id": board.workspace_id},
            headers=board.owner.headers,
        )
    ).json()
    assert dash["totals"] == counted
    kept = await _aggregates(database, board.workspace_id)
    async with database.session() as session:
        await history.rebuild(session, board.workspace_id)
        await session.commit()
    assert await _aggregates(database, board.workspace_id) == kept


async def _recount_now(database: Database, board: Board) -> dict[str, int]:
    async with database.session() as session:
        rows = (
            await session.execute(
                text("SELECT status, due_at, risk_level FROM task WHERE workspace_id = :w"),
                {"w": board.workspace_id},
            )
        ).all()
    now = datetime.now(UTC)
    totals = Counter(row.status for row in rows)
    return {
        **{s: totals.get(s, 0) for s in STATUSES},
        "overdue": sum(1 for r in rows if r.status in OPEN and r.due_at and _aware(r.due_at) < now),
        "at_risk": sum(1 for r in rows if r.status in OPEN and r.risk_level == "high"),
    }


async def test_cycle_times_are_spread_in_their_buckets(
    client: httpx.AsyncClient, database: Database
) -> None:
    board = await new_board(client)
    done_at = datetime.now(UTC) - timedelta(hours=1)
    spans = [timedelta(hours=2), timedelta(days=2), timedelta(days=10), timedelta(days=40)]
    async with database.session() as session:
        for n, span in enumerate(spans):
            created = done_at - span
            todo = State(board.project_id, None, "todo", 0, None, None, created)
            done = State(board.project_id, None, "done", 0, None, None, created)
            await history.record(
                session,
                board.workspace_id,
                [
                    history.Change(f"c-{n}", 1, created, None, todo),
                    history.Change(f"c-{n}", 2, done_at, todo, done),
                ],
            )
        await session.commit()
    dash = await client.get(
        "/api/v1/analytics/dashboard",
        params={"workspace_id": board.workspace_id},
        headers=board.owner.headers,
    )
    assert [(b["bucket"], b["count"]) for b in dash.json()["cycle_time_distribution"]] == [
        ("under 1 day", 1),
        ("1-3 days", 1),
        ("3-7 days", 0),
        ("1-2 weeks", 1),
        ("2-4 weeks", 0),
        ("4 weeks or more", 1),
    ]
    assert dash.json()["cycle_time_hours"] == {"p50": 48.0, "p85": 960.0}
