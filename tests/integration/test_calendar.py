"""The calendar feed: a secret iCalendar URL of one's open, dated, assigned tasks.

Every feed is read back with the `icalendar` library, as a calendar app would parse it.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import update

from smarttask.accounts.models import User
from smarttask.calendar import feed_routes
from smarttask.calendar import service as calendar_service
from tests.support.accounts import app_of, assert_problem
from tests.support.log_scan import register_secret
from tests.support.tasks import Board, counting_queries, new_board, new_task
from tests.support.workspaces import Account, add_member, new_workspace

FEED = "/api/v1/users/me/calendar-feed"
PUBLIC_URL = "https://tasks.example.com"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Links in the feed are built from this public URL."""
    return {"public_url": PUBLIC_URL}


def _due(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


async def _create_feed(client: httpx.AsyncClient, who: Account) -> str:
    """Turn the feed on; the path of its secret URL (the token registered as a secret)."""
    answer = await client.post(FEED, headers=who.headers)
    assert answer.status_code == 201, answer.text
    url = answer.json()["url"]
    assert url.startswith(f"{PUBLIC_URL}/calendar/")
    assert url.endswith(".ics")
    path = urlsplit(url).path
    register_secret(path.removeprefix("/calendar/").removesuffix(".ics"))
    return path


async def _fetch(
    client: httpx.AsyncClient, path: str, method: str = "GET", **headers: str
) -> httpx.Response:
    """GET a feed path; the test's own HTTP client does not log the URL (the token is
    registered as a secret: the log scan checks that the app never logs it)."""
    client_log = logging.getLogger("httpx")
    level = client_log.level
    client_log.setLevel(logging.WARNING)
    try:
        return await client.request(method, path, headers=headers)
    finally:
        client_log.setLevel(level)


def _events(response: httpx.Response) -> dict[str, Any]:
    """The feed's events by UID, parsed by the icalendar library."""
    assert response.status_code == 200, response.text
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _uid(task: dict[str, Any]) -> str:
    return f"{task['id']}@tasks.example.com"


async def _assigned(client: httpx.AsyncClient, board: Board, who: Account, **fields: Any) -> Any:
    return await new_task(client, board, assignee_id=who.id, **fields)


async def test_the_feed_holds_exactly_my_open_dated_tasks(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member
    todo = await _assigned(client, board, me, title="Write the copy", due_at=_due(3))
    doing = await _assigned(
        client, board, me, title="Fix the form", due_at=_due(-2), status="in_progress"
    )
    # Never in the feed: done or cancelled, undated, someone else's, nobody's.
    await _assigned(client, board, me, title="Done", status="done", due_at=_due(1))
    await _assigned(client, board, me, title="Cancelled", status="cancelled", due_at=_due(1))
    await _assigned(client, board, me, title="Undated")
    await _assigned(client, board, board.owner, title="The owner's", due_at=_due(1))
    await new_task(client, board, title="Nobody's", due_at=_due(1))
    # A workspace I was assigned a task in, then left.
    other = await new_workspace(client, board.owner, "Other team")
    await add_member(client, other, board.owner, me, "member")
    project = await client.post(
        f"/api/v1/workspaces/{other}/projects",
        json={"name": "Ops", "key": "OPS"},
        headers=board.owner.headers,
    )
    left = await client.post(
        f"/api/v1/projects/{project.json()['id']}/tasks",
        json={"title": "Left behind", "assignee_id": me.id, "due_at": _due(2)},
        headers=board.owner.headers,
    )
    assert left.status_code == 201, left.text
    path = await _create_feed(client, me)
    assert _uid(left.json()) in _events(await _fetch(client, path))
    removed = await client.delete(
        f"/api/v1/workspaces/{other}/members/{me.id}", headers=board.owner.headers
    )
    assert removed.status_code == 204, removed.text

    answer = await _fetch(client, path)
    events = _events(answer)
    assert set(events) == {_uid(todo), _uid(doing)}
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert answer.headers["cache-control"] == "private, max-age=300"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in answer.headers
    calendar = Calendar.from_ical(answer.content)
    assert str(calendar["X-WR-CALNAME"]) == "smarttask: my tasks"
    assert "REFRESH-INTERVAL" in calendar
    assert "X-PUBLISHED-TTL" in calendar

    event = events[_uid(todo)]
    assert str(event["SUMMARY"]) == f"{todo['key']} Write the copy"
    assert str(event["URL"]) == f"{PUBLIC_URL}/tasks/{todo['id']}"
    assert f"{PUBLIC_URL}/tasks/{todo['id']}" in str(event["DESCRIPTION"])
    assert "Website" in str(event["DESCRIPTION"])  # the project's name
    assert int(event["SEQUENCE"]) == todo["version"]
    due = datetime.fromisoformat(todo["due_at"])
    assert event["DTSTART"].dt == due.date()  # all-day, on the due day (the user is in UTC)
    assert event["DTEND"].dt == due.date() + timedelta(days=1)
    updated = datetime.fromisoformat(todo["updated_at"]).replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == updated  # iCalendar times have whole seconds
    assert "DTSTAMP" in event


async def test_a_replaced_or_revoked_link_is_a_404_at_once(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member
    await _assigned(client, board, me, due_at=_due(1))
    assert (await client.get(FEED, headers=me.headers)).json() == {
        "active": False,
        "created_at": None,
        "last_used_at": None,
    }
    first = await _create_feed(client, me)
    assert (await _fetch(client, first)).status_code == 200
    status = (await client.get(FEED, headers=me.headers)).json()
    assert status["active"] is True
    assert status["last_used_at"] is not None
    assert "url" not in status

    second = await _create_feed(client, me)
    assert second != first
    gone = await _fetch(client, first)
    unknown = await _fetch(client, "/calendar/" + "A" * 43 + ".ics")
    malformed = await _fetch(client, "/calendar/not-a-token.ics")
    # Replaced, unknown and malformed tokens get the very same answer.
    for answer in (gone, unknown, malformed):
        body = assert_problem(answer, 404)
        assert body["detail"] == "There is no such calendar feed."
    assert len(_events(await _fetch(client, second))) == 1

    off = await client.delete(FEED, headers=me.headers)
    assert off.status_code == 204
    assert_problem(await _fetch(client, second), 404)
    assert (await client.get(FEED, headers=me.headers)).json()["active"] is False
    # Turning it off again changes nothing.
    assert (await client.delete(FEED, headers=me.headers)).status_code == 204


async def test_one_persons_link_never_shows_anothers_tasks(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    mine = await _assigned(client, board, board.member, due_at=_due(1))
    theirs = await _assigned(client, board, board.owner, due_at=_due(1))
    my_path = await _create_feed(client, board.member)
    their_path = await _create_feed(client, board.owner)
    assert set(_events(await _fetch(client, my_path))) == {_uid(mine)}
    assert set(_events(await _fetch(client, their_path))) == {_uid(theirs)}
    # Turning one's own feed off leaves the other's alone.
    assert (await client.delete(FEED, headers=board.member.headers)).status_code == 204
    assert (await _fetch(client, their_path)).status_code == 200


async def test_if_none_match_answers_304_until_something_shown_changes(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    me = board.member
    task = await _assigned(client, board, me, title="Plan", due_at=_due(2))
    other = await _assigned(client, board, me, title="Other", due_at=_due(4))
    path = await _create_feed(client, me)
    first = await _fetch(client, path)
    tag = first.headers["etag"]
    assert tag.startswith('"')

    same = await _fetch(client, path, **{"If-None-Match": tag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == tag
    assert (await _fetch(client, path, **{"If-None-Match": f'"x", W/{tag}'})).status_code == 304
    assert (await _fetch(client, path, **{"If-None-Match": '"stale"'})).status_code == 200

    renamed = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "Plan the launch"}, headers=me.headers
    )
    assert renamed.status_code == 200, renamed.text
    changed = await _fetch(client, path, **{"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert str(_events(changed)[_uid(task)]["SUMMARY"]).endswith("Plan the launch")

    # A task leaving the feed (done) changes the ETag too, though nothing newer appeared.
    tag = changed.headers["etag"]
    done = await client.patch(
        f"/api/v1/tasks/{other['id']}", json={"status": "done"}, headers=me.headers
    )
    assert done.status_code == 200, done.text
    after = await _fetch(client, path, **{"If-None-Match": tag})
    assert after.status_code == 200
    assert set(_events(after)) == {_uid(task)}


TRICKY_TITLES = (
    "Call Ana, Bo; and Cy",
    "Back\\slash and a colon: here",
    "Ünïcödé — 日本語 ✓ 🚀",
    "<script>alert('x')</script> & \"quotes\"",
    "Line one\nline two",
    "A long title " + "that folds across lines " * 12,
)


async def test_titles_round_trip_escaped(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member
    tasks = [await _assigned(client, board, me, title=t, due_at=_due(1)) for t in TRICKY_TITLES]
    path = await _create_feed(client, me)
    answer = await _fetch(client, path)
    raw = answer.content.decode()
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n")), "lines are folded"
    events = _events(answer)
    for task in tasks:
        assert str(events[_uid(task)]["SUMMARY"]) == f"{task['key']} {task['title']}"
    # Escaped on the wire: no raw comma-split or injected property line.
    assert "SUMMARY:" + tasks[0]["key"] + " Call Ana\\, Bo\\; and Cy" in raw
    assert "\nline two" not in raw


async def test_the_day_is_the_due_day_in_the_persons_time_zone(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    me = board.member
    # 20:00 UTC is already the next morning in Auckland (UTC+13 in December).
    timed = await _assigned(client, board, me, due_at="2026-12-05T20:00:00Z")
    # A day picked in the web app (stored at the end of that day, UTC) stays that day.
    picked = await _assigned(client, board, me, due_at="2026-12-05T23:59:59Z")
    path = await _create_feed(client, me)
    events = _events(await _fetch(client, path))
    assert events[_uid(timed)]["DTSTART"].dt == date(2026, 12, 5)
    async with app_of(client).state.database.session() as session:
        await session.execute(
            update(User).where(User.id == me.id).values(timezone="Pacific/Auckland")
        )
        await session.commit()
    events = _events(await _fetch(client, path))
    assert events[_uid(timed)]["DTSTART"].dt == date(2026, 12, 6)
    assert "Pacific/Auckland" in str(events[_uid(timed)]["DESCRIPTION"])
    assert events[_uid(picked)]["DTSTART"].dt == date(2026, 12, 5)


async def test_a_disabled_persons_feed_is_a_404(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member
    await _assigned(client, board, me, due_at=_due(1))
    path = await _create_feed(client, me)
    assert (await _fetch(client, path)).status_code == 200
    async with app_of(client).state.database.session() as session:
        await session.execute(update(User).where(User.id == me.id).values(is_active=False))
        await session.commit()
    assert_problem(await _fetch(client, path), 404)


async def test_only_a_signed_in_session_creates_or_revokes_a_link(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    assert_problem(await client.post(FEED), 401)
    assert_problem(await client.delete(FEED), 401)
    assert_problem(await client.get(FEED), 401)
    token = await client.post(
        "/api/v1/users/me/tokens",
        json={"name": "ci", "current_password": "blue-harbour-lantern-42"},
        headers=board.member.headers,
    )
    assert token.status_code == 201, token.text
    secret = token.json()["token"]
    register_secret(secret)
    as_token = {"Authorization": f"Bearer {secret}"}
    body = assert_problem(await client.post(FEED, headers=as_token), 403)
    assert body["code"] == "api_token_not_allowed"
    assert_problem(await client.delete(FEED, headers=as_token), 403)
    assert (await client.get(FEED, headers=as_token)).json()["active"] is False


async def test_the_token_never_reaches_the_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    board = await new_board(client)
    path = await _create_feed(client, board.member)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="smarttask.access"):
        caplog.clear()
        assert (await _fetch(client, path)).status_code == 200
        assert (await _fetch(client, path + "x")).status_code == 404
    access = [r for r in caplog.records if r.name == "smarttask.access"]
    assert [getattr(r, "path", None) for r in access] == ["/calendar/***", "/calendar/***"]
    assert all(token not in r.getMessage() + str(vars(r)) for r in caplog.records)


async def test_one_statement_for_the_tasks_however_many(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    me = board.member
    await _assigned(client, board, me, due_at=_due(1))
    path = await _create_feed(client, me)
    await _fetch(client, path)  # the fetch is recorded once; later fetches only read
    with counting_queries(app_of(client)) as few:
        assert len(_events(await _fetch(client, path))) == 1
    for day in range(12):
        await _assigned(client, board, me, due_at=_due(day + 2))
    with counting_queries(app_of(client)) as many:
        assert len(_events(await _fetch(client, path))) == 13
    assert len(many) == len(few)


async def test_the_feed_is_bounded_soonest_first(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_service, "MAX_EVENTS", 3)
    board = await new_board(client)
    me = board.member
    tasks = [await _assigned(client, board, me, due_at=_due(day)) for day in (5, 1, 4, 2, 3)]
    path = await _create_feed(client, me)
    soonest = {_uid(tasks[i]) for i in (1, 3, 4)}
    assert set(_events(await _fetch(client, path))) == soonest


async def test_fetches_are_limited_per_link(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_routes, "PER_TOKEN_LIMIT", "2/minute")
    board = await new_board(client)
    mine = await _create_feed(client, board.member)
    theirs = await _create_feed(client, board.owner)
    assert (await _fetch(client, mine)).status_code == 200
    assert (await _fetch(client, mine)).status_code == 200
    refused = await _fetch(client, mine)
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    # Another link, from the same address, is counted on its own.
    assert (await _fetch(client, theirs)).status_code == 200


async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await _assigned(client, board, board.member, due_at=_due(1))
    path = await _create_feed(client, board.member)
    got = await _fetch(client, path)
    head = await _fetch(client, path, "HEAD")
    assert head.status_code == 200
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize("token", ["x" * 300, "%00abc", "A" * 42 + "=", "<script>", "' OR 1=1 --"])
async def test_any_malformed_token_is_the_same_404(client: httpx.AsyncClient, token: str) -> None:
    answer = await _fetch(client, f"/calendar/{token}.ics")
    if token.startswith("%00"):
        assert_problem(answer, 422)  # no NUL byte gets past the edge, on any path
        return
    body = assert_problem(answer, 404)
    assert body["detail"] == "There is no such calendar feed."
