"""Live events: the polling call and the SSE stream of a workspace and of the caller, served by
a real uvicorn (on SQLite and PostgreSQL), resumed with Last-Event-ID, bounded by tenancy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from smarttask.app import create_app
from smarttask.db.types import utcnow
from smarttask.events import outbox
from smarttask.events import repository as event_log
from smarttask.events.models import Event
from smarttask.live.hub import QUEUE_SIZE, SLOW, Hub, Subscription
from smarttask.live.service import LiveEvent, Viewer
from smarttask.workspaces.roles import Role
from tests.support import make_settings
from tests.support.accounts import assert_problem
from tests.support.sse import open_stream, serving
from tests.support.tasks import Board, new_board, new_task
from tests.support.web import web_login
from tests.support.workspaces import PASSWORD, Account, new_workspace, signup

API = "/api/v1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast heartbeats (the membership re-check runs on each), no rate limits."""
    return {"event_heartbeat_seconds": 0.5, "rate_limit_enabled": False}


@pytest.fixture
async def base_url(app: Any) -> AsyncIterator[str]:
    """The app served by uvicorn."""
    async with serving(app) as url:
        yield url


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the served app."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client


def events_url(board: Board) -> str:
    """The board's workspace's events call."""
    return f"{API}/workspaces/{board.workspace_id}/events"


async def rename(http: httpx.AsyncClient, board: Board, task_id: str, title: str) -> None:
    """Change a task's title through the API."""
    response = await http.patch(
        f"{API}/tasks/{task_id}", json={"title": title}, headers=board.member.headers
    )
    assert response.status_code == 200, response.text


async def test_polling_returns_events_in_order_and_after_works(http: httpx.AsyncClient) -> None:
    """Polling without `after` starts now; `after` returns what followed, in commit order."""
    board = await new_board(http)
    start = await http.get(events_url(board), headers=board.viewer.headers)
    assert start.status_code == 200, start.text
    assert start.json()["items"] == []
    task = await new_task(http, board, title="First")
    await rename(http, board, task["id"], "Second")
    await http.delete(f"{API}/tasks/{task['id']}", headers=board.owner.headers)

    page = await http.get(
        events_url(board),
        params={"after": start.json()["next_after"]},
        headers=board.viewer.headers,
    )
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [item["type"] for item in items] == ["task.created", "task.updated", "task.deleted"]
    numbers = [int(item["id"]) for item in items]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert items[0]["data"]["task"]["title"] == "First"
    assert items[1]["data"]["changes"]["title"] == {"old": "First", "new": "Second"}
    assert items[1]["actor_id"] == board.member.id
    assert items[2]["data"]["task"]["id"] == task["id"]
    assert page.json()["next_after"] == items[-1]["id"]

    rest = await http.get(
        events_url(board), params={"after": items[0]["id"]}, headers=board.viewer.headers
    )
    assert [item["id"] for item in rest.json()["items"]] == [items[1]["id"], items[2]["id"]]
    one = await http.get(
        events_url(board), params={"after": items[0]["id"], "limit": 1}, headers=board.owner.headers
    )
    assert [item["id"] for item in one.json()["items"]] == [items[1]["id"]]
    assert one.json()["next_after"] == items[1]["id"]
    done = await http.get(
        events_url(board), params={"after": items[-1]["id"]}, headers=board.owner.headers
    )
    assert done.json() == {"items": [], "next_after": items[-1]["id"]}


async def test_non_members_get_404_and_never_another_workspaces_events(
    http: httpx.AsyncClient,
) -> None:
    """A stranger gets 404 (as for a missing workspace); each stream carries its own only."""
    board = await new_board(http)
    other = await new_board(http)
    stranger = await signup(http, "stranger")
    await new_task(http, board, title="Ours")
    await new_task(http, other, title="Theirs")
    for url in (events_url(board), events_url(board) + "/stream"):
        refused = await http.get(url, headers=stranger.headers)
        assert_problem(refused, 404)
    missing = await http.get(f"{API}/workspaces/nope/events", headers=board.owner.headers)
    assert_problem(missing, 404)
    crossed = await http.get(events_url(other), params={"after": 0}, headers=board.owner.headers)
    assert_problem(crossed, 404)
    ours = await http.get(events_url(board), params={"after": 0}, headers=board.owner.headers)
    titles = [item["data"]["task"]["title"] for item in ours.json()["items"]]
    assert titles == ["Ours"]
    assert all(
        item["data"]["task"]["workspace_id"] == board.workspace_id for item in ours.json()["items"]
    )


async def test_bad_input_is_refused(http: httpx.AsyncClient) -> None:
    """Wrong positions and limits are 422 problems; no token 401; a web cookie is no token."""
    board = await new_board(http)
    for params in (
        {"after": -1},
        {"after": "abc"},
        {"limit": 0},
        {"limit": 101},
        {"after": "1\x00"},
    ):
        assert_problem(
            await http.get(events_url(board), params=params, headers=board.owner.headers), 422
        )
    bad_header = await http.get(
        events_url(board) + "/stream", headers={**board.owner.headers, "Last-Event-ID": "x1"}
    )
    assert_problem(bad_header, 422)
    for url in (events_url(board), events_url(board) + "/stream", f"{API}/users/me/events"):
        assert_problem(await http.get(url), 401)
        assert_problem(await http.get(url, headers={"Cookie": "st_session=forged"}), 401)


async def test_after_beyond_the_retention_or_the_stream_is_gone(
    http: httpx.AsyncClient, app: Any
) -> None:
    """Polling from a pruned (or unknown) position answers 410 and says where to restart;
    a stream from it starts with a `reset` event, then carries on live."""
    board = await new_board(http)
    first = await new_task(http, board, title="Old one")
    await rename(http, board, first["id"], "Old two")
    await rename(http, board, first["id"], "Kept")
    database = app.state.database
    async with database.session() as session:
        kept = await event_log.after(session, f"w:{board.workspace_id}", 0, 10)
        old = utcnow() - timedelta(hours=100)
        await session.execute(
            update(Event)
            .where(Event.stream == f"w:{board.workspace_id}", Event.seq < kept[-1].seq)
            .values(created_at=old)
        )
        await session.commit()
    async with database.session() as session:
        assert await event_log.prune(session, utcnow() - timedelta(hours=72), 100) == 2
        await session.commit()
    last = kept[-1].seq

    gone = assert_problem(
        await http.get(events_url(board), params={"after": 1}, headers=board.owner.headers), 410
    )
    assert gone["code"] == "events_gone"
    assert gone["next_after"] == str(last)
    ahead = await http.get(
        events_url(board), params={"after": last + 5}, headers=board.owner.headers
    )
    assert_problem(ahead, 410)
    # Just before the oldest kept event is still fine, and so is "from the oldest kept" (0).
    fine = await http.get(
        events_url(board), params={"after": last - 1}, headers=board.owner.headers
    )
    assert [item["data"]["task"]["title"] for item in fine.json()["items"]] == ["Kept"]
    oldest = await http.get(events_url(board), params={"after": 0}, headers=board.owner.headers)
    assert [item["id"] for item in oldest.json()["items"]] == [str(last)]

    async with open_stream(
        http, events_url(board) + "/stream", {**board.owner.headers, "Last-Event-ID": "1"}
    ) as stream:
        reset = await stream.next()
        assert reset.event == "reset"
        assert reset.id == str(last)
        assert reset.json["next_after"] == str(last)
        await rename(http, board, first["id"], "After the reset")
        frame = await stream.next()
        assert (frame.event, frame.id) == ("task.updated", str(last + 1))


async def test_stream_delivers_in_order_once_and_resumes_without_loss(
    http: httpx.AsyncClient,
) -> None:
    """Events arrive as SSE (`id`, `event`, `data` = the polling item), in order, each once;
    after a disconnect, Last-Event-ID resumes with what was missed and nothing twice."""
    board = await new_board(http)
    task = await new_task(http, board)
    url = events_url(board) + "/stream"
    async with open_stream(http, url, board.viewer.headers) as stream:
        assert stream.retry is None or stream.retry > 0
        for number in range(5):
            await rename(http, board, task["id"], f"Take {number}")
        frames = await stream.take(5)
        assert stream.retry == 3000
        assert [frame.event for frame in frames] == ["task.updated"] * 5
        assert [frame.json["data"]["task"]["title"] for frame in frames] == [
            f"Take {n}" for n in range(5)
        ]
        assert all(frame.id == frame.json["id"] for frame in frames)
        seen = [int(frame.id or 0) for frame in frames]
        assert seen == list(range(seen[0], seen[0] + 5))
        assert await stream.quiet(0.3) == []
    polled = await http.get(
        events_url(board), params={"after": seen[0] - 1}, headers=board.viewer.headers
    )
    assert [item["id"] for item in polled.json()["items"]] == [frame.id for frame in frames]
    assert polled.json()["items"][0] == frames[0].json

    # Disconnected: three more changes; the reconnect names the last event it had.
    for number in range(3):
        await rename(http, board, task["id"], f"While away {number}")
    headers = {**board.viewer.headers, "Last-Event-ID": str(seen[-1])}
    async with open_stream(http, url, headers, after=1) as stream:  # the header wins
        missed = await stream.take(3)
        assert [int(frame.id or 0) for frame in missed] == [
            seen[-1] + 1,
            seen[-1] + 2,
            seen[-1] + 3,
        ]
        await rename(http, board, task["id"], "Live again")
        live = await stream.next()
        assert int(live.id or 0) == seen[-1] + 4
        assert live.json["data"]["task"]["title"] == "Live again"
        assert await stream.quiet(0.3) == []
    # `after` alone resumes too.
    async with open_stream(http, url, board.viewer.headers, after=seen[-1] + 2) as stream:
        frames = await stream.take(2)
        assert [int(frame.id or 0) for frame in frames] == [seen[-1] + 3, seen[-1] + 4]


async def test_a_stream_ends_after_its_lifetime_and_the_reconnect_misses_nothing(
    settings: Any, clean_database: None
) -> None:
    """SMARTTASK_EVENT_STREAM_MAX_SECONDS ends a stream (the hub forgets it); a change made
    meanwhile comes on the reconnect from the last id the client had."""
    app = create_app(settings.model_copy(update={"event_stream_max_seconds": 1.0}))
    try:
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            board = await new_board(http)
            task = await new_task(http, board)
            stream_url = events_url(board) + "/stream"
            async with open_stream(http, stream_url, board.viewer.headers) as stream:
                await rename(http, board, task["id"], "Before the end")
                last = await stream.next()
                await stream.wait_end(timeout=10)
            await rename(http, board, task["id"], "While away")
            headers = {**board.viewer.headers, "Last-Event-ID": str(last.id)}
            async with open_stream(http, stream_url, headers) as stream:
                again = await stream.next()
                assert again.json["data"]["task"]["title"] == "While away"
                assert int(again.id or 0) == int(last.id or 0) + 1
    finally:
        await app.state.database.dispose()


async def test_concurrent_writers_make_a_gap_free_commit_ordered_sequence(
    http: httpx.AsyncClient,
) -> None:
    """Many concurrent task updates in one workspace: the subscriber sees 1..N, each once."""
    board = await new_board(http)
    tasks = [await new_task(http, board, title=f"Task {n}") for n in range(6)]
    async with open_stream(
        http, events_url(board) + "/stream", board.owner.headers, after=0
    ) as stream:
        created = await stream.take(6)
        assert [int(frame.id or 0) for frame in created] == list(range(1, 7))
        rounds = 4
        for round_number in range(rounds):
            results = await asyncio.gather(
                *(
                    http.patch(
                        f"{API}/tasks/{task['id']}",
                        json={"priority": ("low", "high")[round_number % 2]},
                        headers=board.member.headers,
                    )
                    for task in tasks
                )
            )
            assert all(result.status_code == 200 for result in results), [
                result.text for result in results
            ]
        frames = await stream.take(len(tasks) * rounds)
        numbers = [int(frame.id or 0) for frame in frames]
        assert numbers == list(range(7, 7 + len(tasks) * rounds))
        assert await stream.quiet(0.3) == []
    polled = await http.get(events_url(board), params={"after": 6}, headers=board.owner.headers)
    assert [int(item["id"]) for item in polled.json()["items"]] == numbers[:100]


async def test_a_rolled_back_write_publishes_nothing(http: httpx.AsyncClient, app: Any) -> None:
    """An event emitted in a transaction that rolls back is neither stored nor delivered; the
    next committed one is, with the next number."""
    board = await new_board(http)
    database = app.state.database
    async with open_stream(http, events_url(board) + "/stream", board.owner.headers) as stream:
        async with database.session() as session:
            outbox.emit(session, "probe.doomed", {"n": 1}, workspace_id=board.workspace_id)
            await session.flush()
            await session.rollback()
        refused = await http.patch(
            f"{API}/tasks/{(await new_task(http, board))['id']}",
            json={"title": ""},
            headers=board.member.headers,
        )
        assert refused.status_code == 422
        created = await stream.next()
        assert created.event == "task.created"
        async with database.session() as session:
            outbox.emit(session, "probe.kept", {"n": 2}, workspace_id=board.workspace_id)
            await session.commit()
        kept = await stream.next()
        assert (kept.event, kept.json["data"]) == ("probe.kept", {"n": 2})
        assert int(kept.id or 0) == int(created.id or 0) + 1
        assert await stream.quiet(0.3) == []
    polled = await http.get(events_url(board), params={"after": 0}, headers=board.owner.headers)
    assert [item["type"] for item in polled.json()["items"]] == ["task.created", "probe.kept"]


async def test_a_removed_member_stops_receiving(http: httpx.AsyncClient) -> None:
    """Removing a member ends their open stream within a heartbeat; they are 404 after."""
    board = await new_board(http)
    async with open_stream(http, events_url(board) + "/stream", board.viewer.headers) as stream:
        async with asyncio.timeout(20):  # heartbeats are SSE comments (": ping - <time>")
            while not any(comment.startswith("ping") for comment in stream.comments):
                await stream.wait_comment()
        assert stream.comments[0] == "connected"
        removed = await http.delete(
            f"{API}/workspaces/{board.workspace_id}/members/{board.viewer.id}",
            headers=board.owner.headers,
        )
        assert removed.status_code == 204, removed.text
        await new_task(http, board, title="Secret after removal")
        await stream.wait_end()
        leaked = [frame for frame in await stream.quiet(0.1) if frame.event == "task.created"]
        assert leaked == []
    assert_problem(await http.get(events_url(board), headers=board.viewer.headers), 404)


async def test_the_callers_own_stream(http: httpx.AsyncClient, app: Any) -> None:
    """`/users/me/events` carries the caller's own stream and nobody else's."""
    ada, bob = await signup(http, "ada"), await signup(http, "bob")
    database = app.state.database

    async def notify(account: Account, summary: str) -> None:
        async with database.session() as session:
            outbox.emit(
                session,
                "notification.created",
                {"notification": {"summary": summary}},
                workspace_id=None,
                stream=outbox.user_stream(account.id),
            )
            await session.commit()

    start = await http.get(f"{API}/users/me/events", headers=ada.headers)
    assert start.json() == {"items": [], "next_after": "0"}
    async with open_stream(http, f"{API}/users/me/events/stream", ada.headers) as stream:
        await notify(bob, "for bob")
        await notify(ada, "for ada")
        frame = await stream.next()
        assert frame.json["data"]["notification"]["summary"] == "for ada"
        assert frame.id == "1"
        assert await stream.quiet(0.3) == []
    mine = await http.get(f"{API}/users/me/events", params={"after": 0}, headers=bob.headers)
    assert [item["data"]["notification"]["summary"] for item in mine.json()["items"]] == ["for bob"]


async def test_one_read_per_wake_up_whatever_the_subscribers(
    http: httpx.AsyncClient, app: Any
) -> None:
    """Five subscribers of one stream: each change is read once for all of them."""
    board = await new_board(http)
    task = await new_task(http, board)
    url = events_url(board) + "/stream"
    async with (
        open_stream(http, url, board.owner.headers) as first,
        open_stream(http, url, board.member.headers) as second,
        open_stream(http, url, board.viewer.headers) as third,
        open_stream(http, url, board.owner.headers) as fourth,
        open_stream(http, url, board.member.headers) as fifth,
    ):
        streams = (first, second, third, fourth, fifth)
        await rename(http, board, task["id"], "Warm up")
        for stream in streams:
            await stream.next()
        hub = app.state.live_hub
        assert hub.subscribers == 5
        before = hub.reads
        await rename(http, board, task["id"], "Once")
        for stream in streams:
            frame = await stream.next()
            assert frame.json["data"]["task"]["title"] == "Once"
        assert hub.reads - before == 1
    # The streams closed: the hub lets them go.
    async with asyncio.timeout(20):
        while app.state.live_hub.subscribers:
            await asyncio.sleep(0.05)


async def test_the_web_apps_streams_use_the_page_session(base_url: str) -> None:
    """`/workspaces/{id}/live` and `/live`: the same streams, signed in by the session cookie
    (EventSource sends no Authorization header); strangers get the 404 page, nobody signed
    in goes to the sign-in page."""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as api,
        httpx.AsyncClient(base_url=base_url, timeout=30) as browser,
        httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous,
    ):
        board = await new_board(api)
        stranger = await signup(api, "stranger")
        assert (await web_login(browser, board.viewer.email, PASSWORD)).status_code == 303
        async with open_stream(browser, f"/workspaces/{board.workspace_id}/live") as stream:
            created = await new_task(api, board, title="Seen on the page")
            frame = await stream.next()
            assert frame.event == "task.created"
            assert frame.json["data"]["task"]["id"] == created["id"]
        async with open_stream(browser, "/live") as stream:
            assert stream.retry == 3000 or stream.retry is None
        # The bearer token is no page session, and the page session no bearer token.
        bearer_only = await anonymous.get(
            f"/workspaces/{board.workspace_id}/live", headers=board.viewer.headers
        )
        assert bearer_only.status_code in (303, 401)  # a navigation goes to the sign-in page
        assert "event-stream" not in bearer_only.headers.get("content-type", "")
        assert (await anonymous.get("/live")).status_code in (303, 401)
        cookie_on_api = await browser.get(f"{API}/workspaces/{board.workspace_id}/events")
        assert_problem(cookie_on_api, 401)
        other = await new_workspace(api, stranger)
        refused = await browser.get(f"/workspaces/{other}/live")
        assert refused.status_code == 404


def test_a_subscriber_too_slow_to_keep_up_is_ended() -> None:
    """A subscriber whose queue is full is ended (its client resumes with Last-Event-ID);
    one that keeps up is not, and an ended one gets nothing more."""
    hub = Hub(None, make_settings("sqlite+aiosqlite:///:memory:"))  # type: ignore[arg-type]
    viewer = Viewer("u-1", "w:ws", workspace_id="ws", role=Role.VIEWER)
    slow, other = Subscription(hub, viewer, 0), Subscription(hub, viewer, 0)

    def event(seq: int, workspace_id: str = "ws") -> LiveEvent:
        return LiveEvent(seq, "t", "w:ws", workspace_id, None, None, utcnow(), {}, "{}")

    for seq in range(1, QUEUE_SIZE + 1):
        slow.offer(event(seq))
        other.offer(event(seq))
        other._pending.clear()  # this one's reader takes each event at once
    assert slow.ended is None
    slow.offer(event(QUEUE_SIZE + 1))
    assert slow.ended == SLOW
    assert other.ended is None
    slow.offer(event(QUEUE_SIZE + 2))
    assert not slow._pending
    # An event of another workspace never reaches a subscriber, whatever its stream says.
    other.offer(event(QUEUE_SIZE + 2, workspace_id="elsewhere"))
    assert not other._pending


async def test_a_browser_navigating_to_a_stream_gets_a_page(base_url: str) -> None:
    """Typing /live into the address bar shows a page (406) instead of an endless download."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        ada = await signup(browser, "ada")
        assert (await web_login(browser, ada.email, PASSWORD)).status_code == 303
        navigation = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        page = await browser.get("/live", headers=navigation)
        assert page.status_code == 406
        assert "text/html" in page.headers["content-type"]
        assert "live event stream" in page.text
