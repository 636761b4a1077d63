"""The event outbox (events/outbox.py) on SQLite and PostgreSQL: events exist only if their
transaction commits, are numbered per stream in commit order without gaps, run the
reactions before the commit, tell this process's listeners after it (and PostgreSQL's
listeners through NOTIFY), and are pruned after the retention as a prefix of each stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Database
from smarttask.db.listener import driver_dsn
from smarttask.db.types import utcnow
from smarttask.events import jobs as event_jobs
from smarttask.events import outbox
from smarttask.events import repository as event_log
from smarttask.events.models import Event, EventStream
from smarttask.events.outbox import Published
from smarttask.jobs.registry import JobContext
from smarttask.settings import Settings
from tests.support import make_settings

THIS_MODULE = "tests.integration.test_events_outbox"
SEEN: list[tuple[str, ...]] = []


async def react(session: AsyncSession, events: Sequence[Published]) -> None:
    """A reaction (this module is named in the Database's `reactions`): every
    `probe.assigned` event makes a `probe.notified` event on the assignee's own stream."""
    SEEN.append(tuple(event.type for event in events))
    if any(event.type == "probe.explode" for event in events):
        raise RuntimeError("reaction failed")
    for event in events:
        if event.type == "probe.assigned":
            outbox.emit(
                session,
                "probe.notified",
                {"about": event.id},
                workspace_id=event.workspace_id,
                stream=outbox.user_stream(event.data["assignee"]),
            )


@pytest.fixture
async def database(database_url: str, clean_database: None) -> AsyncIterator[Database]:
    """A Database of the backend under test, with this module's reaction."""
    found = Database(make_settings(database_url).database, reactions=(THIS_MODULE,))
    SEEN.clear()
    yield found
    await found.dispose()


async def stored(database: Database, stream: str) -> list[Event]:
    """The stream's stored events, in order."""
    async with database.session(writes=False) as session:
        return list(await event_log.after(session, stream, 0, 1000))


async def test_an_event_exists_only_if_its_transaction_commits(database: Database) -> None:
    """Rolled back: no row, no number taken, no listener told; the next commit gets 1."""
    told: list[tuple[str, int]] = []
    database.commit_listeners.append(lambda stream, seq: told.append((stream, seq)))
    async with database.session() as session:
        outbox.emit(session, "probe.doomed", {"n": 1}, workspace_id="ws-1")
        await session.flush()
        await session.rollback()
    async with database.session() as session:
        outbox.emit(session, "probe.doomed", {"n": 2}, workspace_id="ws-1")
    # Closed without commit: dropped too.
    assert await stored(database, "w:ws-1") == []
    async with database.session(writes=False) as session:
        assert await event_log.last_seq(session, "w:ws-1") == 0
    assert told == []
    async with database.session() as session:
        outbox.emit(session, "probe.kept", {"n": 3}, workspace_id="ws-1", actor_id="u-1")
        await session.commit()
    events = await stored(database, "w:ws-1")
    assert [(event.seq, event.type, event.data, event.actor_id) for event in events] == [
        (1, "probe.kept", {"n": 3}, "u-1")
    ]
    assert told == [("w:ws-1", 1)]


async def test_a_failing_commit_publishes_nothing(database: Database) -> None:
    """A reaction that raises stops the commit: neither the change nor its events are kept."""
    async with database.session() as session:
        outbox.emit(session, "probe.ok", {}, workspace_id="ws-1")
        outbox.emit(session, "probe.explode", {}, workspace_id="ws-1")
        with pytest.raises(RuntimeError, match="reaction failed"):
            await session.commit()
        await session.rollback()
    assert await stored(database, "w:ws-1") == []
    async with database.session() as session:
        outbox.emit(session, "probe.ok", {}, workspace_id="ws-1")
        await session.commit()
    assert [event.seq for event in await stored(database, "w:ws-1")] == [1]


async def test_reactions_run_before_the_commit_and_their_events_are_numbered(
    database: Database,
) -> None:
    """A reaction sees the transaction's events and may emit more (another stream): all are
    numbered per stream and committed together."""
    async with database.session() as session:
        outbox.emit(session, "probe.assigned", {"assignee": "u-7"}, workspace_id="ws-1")
        outbox.emit(session, "probe.other", {}, workspace_id="ws-1")
        await session.commit()
    assert SEEN == [("probe.assigned", "probe.other"), ("probe.notified",)]
    workspace = await stored(database, "w:ws-1")
    assert [(event.seq, event.type) for event in workspace] == [
        (1, "probe.assigned"),
        (2, "probe.other"),
    ]
    own = await stored(database, "u:u-7")
    assert [(event.seq, event.type, event.data) for event in own] == [
        (1, "probe.notified", {"about": workspace[0].id})
    ]
    # Stamped together under the stream's lock: times grow with numbers along a stream.
    assert workspace[0].created_at <= workspace[1].created_at


async def test_concurrent_transactions_number_a_stream_gap_free_in_commit_order(
    database: Database, backend: str
) -> None:
    """Twenty concurrent transactions on one stream: numbers 1..20 each once, and (PostgreSQL)
    NOTIFY, delivered in commit order, names them in increasing order."""
    heard: list[str] = []
    connection = None
    if backend == "postgresql":
        connection = await asyncpg.connect(driver_dsn(database.settings.url))
        await connection.add_listener(
            event_log.CHANNEL, lambda _c, _p, _ch, payload: heard.append(payload)
        )

    async def write(number: int) -> None:
        async with database.session() as session:
            outbox.emit(session, "probe.write", {"n": number}, workspace_id="ws-9")
            await asyncio.sleep(0)  # let the others start their transactions
            await session.commit()

    await asyncio.gather(*(write(number) for number in range(20)))
    events = await stored(database, "w:ws-9")
    assert [event.seq for event in events] == list(range(1, 21))
    assert sorted(event.data["n"] for event in events) == list(range(20))
    times = [event.created_at for event in events]
    assert times == sorted(times)
    async with database.session(writes=False) as session:
        assert await event_log.last_seq(session, "w:ws-9") == 20
    if connection is not None:
        async with asyncio.timeout(20):
            while len(heard) < 20:
                await connection.fetchval("SELECT 1")  # notifications arrive before answers
        await connection.close()
        assert heard == [f"w:ws-9 {seq}" for seq in range(1, 21)]


@pytest.mark.postgres_only
async def test_one_notify_statement_names_every_stream_of_a_transaction(
    database: Database,
) -> None:
    """PostgreSQL: one NOTIFY per stream, "<stream> <last seq>", sent only on commit."""
    heard: list[str] = []
    connection = await asyncpg.connect(driver_dsn(database.settings.url))
    try:
        await connection.add_listener(
            event_log.CHANNEL, lambda _c, _p, _ch, payload: heard.append(payload)
        )
        async with database.session() as session:
            outbox.emit(session, "probe.assigned", {"assignee": "u-1"}, workspace_id="ws-2")
            outbox.emit(session, "probe.other", {}, workspace_id="ws-2")
            await session.flush()
            await session.rollback()
        async with database.session() as session:
            outbox.emit(session, "probe.assigned", {"assignee": "u-1"}, workspace_id="ws-2")
            outbox.emit(session, "probe.other", {}, workspace_id="ws-2")
            await session.commit()
        async with asyncio.timeout(20):
            while len(heard) < 2:
                await connection.fetchval("SELECT 1")
        assert sorted(heard) == ["u:u-1 1", "w:ws-2 2"]
    finally:
        await connection.close()


async def test_a_failing_listener_does_not_silence_the_others(database: Database) -> None:
    """After the commit every listener is told, even when one of them raises."""
    told: list[int] = []

    def broken(_stream: str, _seq: int) -> None:
        raise RuntimeError("listener bug")

    database.commit_listeners.extend([broken, lambda _stream, seq: told.append(seq)])
    async with database.session() as session:
        outbox.emit(session, "probe.kept", {}, workspace_id="ws-3")
        await session.commit()
    assert told == [1]


async def test_pruning_removes_what_is_older_than_the_retention_and_numbering_goes_on(
    database: Database, database_url: str
) -> None:
    """The prune job deletes events older than SMARTTASK_EVENT_RETENTION_HOURS only; the
    stream's numbers continue after it."""
    for number in range(3):
        async with database.session() as session:
            outbox.emit(session, "probe.write", {"n": number}, workspace_id="ws-4")
            await session.commit()
    async with database.session() as session:
        await session.execute(
            update(Event).where(Event.seq <= 2).values(created_at=utcnow() - timedelta(hours=73))
        )
        await session.commit()
    settings: Settings = make_settings(database_url, event_retention_hours=72)
    async with database.session() as session:
        context = JobContext(session, database, settings, job_id="probe", attempt=1)
        await event_jobs.prune(context, {})
        await session.commit()
    assert [event.seq for event in await stored(database, "w:ws-4")] == [3]
    async with database.session() as session:
        outbox.emit(session, "probe.write", {"n": 3}, workspace_id="ws-4")
        await session.commit()
    assert [event.seq for event in await stored(database, "w:ws-4")] == [3, 4]
    async with database.session(writes=False) as session:
        assert await event_log.oldest_kept(session, "w:ws-4") == 3
        count = (await session.execute(select(func.count()).select_from(EventStream))).scalar()
        assert count == 1
