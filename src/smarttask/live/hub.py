"""The live hub: one per worker process, fanning each stream's new events out to its readers.

Started lazily by the first subscriber (nothing at import or app start: Lambda cold starts),
kept on `app.state.live_hub`, closed with the app. Subscribers hold no database connection
while they wait: the hub reads each stream that has subscribers and news once per wake-up
(one statement per stream) and hands the events to every subscriber of that stream.

It wakes when this process commits events (`Database.commit_listeners`) and, on PostgreSQL,
when any process does (LISTEN on `smarttask_events`, payload "<stream> <last seq>", through
db/listener.py). It also reads every stream's last number in one statement every
CATCH_UP_SECONDS while the listener is not known to be fresh (SQLite, where a separate
`smarttask worker` process commits too; PostgreSQL after the listener lost its connection)
and every SAFETY_SECONDS in any case.

A new subscriber first catches up on its own (short reads, each on a connection taken and
given back) until it reaches the hub's position in the stream, then joins. Each subscriber
has a bounded queue: one too slow to keep up is closed (the client resumes with
Last-Event-ID). Every heartbeat the hub re-checks, one statement per stream, that each
subscriber may still read it, and closes the streams of those who may not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smarttask.db.background import stop_task
from smarttask.events.repository import CHANNEL
from smarttask.kit.problems import ServiceUnavailable, TooManyRequests
from smarttask.live import service
from smarttask.live.service import LiveEvent, Viewer

if TYPE_CHECKING:
    from smarttask.db.engine import Database
    from smarttask.db.listener import Listener
    from smarttask.settings import Settings

log = logging.getLogger("smarttask.live")

# Bounds of one worker process (module constants until they become settings).
MAX_SUBSCRIBERS = 10_000
MAX_SUBSCRIBERS_PER_USER = 32
QUEUE_SIZE = 256  # events waiting for one subscriber; more: it is too slow and is closed
READ_BATCH = 500  # events per read
CATCH_UP_SECONDS = 2.0  # heads check while no fresh LISTEN tells of every commit
SAFETY_SECONDS = 30.0  # heads check even with a fresh listener
_ERROR_PAUSE = 1.0

# Why a subscription ended.
SLOW = "slow"
ACCESS_ENDED = "access-ended"
SHUTDOWN = "shutdown"


class Subscription:
    """One reader of one stream: its position and the events waiting for it."""

    def __init__(self, hub: Hub, viewer: Viewer, position: int) -> None:
        self.hub = hub
        self.viewer = viewer
        self.position = position  # the last number handed to this subscriber (or skipped)
        self.ended: str | None = None
        self._pending: deque[LiveEvent] = deque()
        self._signal = asyncio.Event()

    def offer(self, event: LiveEvent) -> None:
        """Queue an event the subscriber has not had yet (if it may see it)."""
        if self.ended is not None or event.seq <= self.position:
            return
        self.position = event.seq
        if not service.may_see(self.viewer, event):
            return
        if len(self._pending) >= QUEUE_SIZE:
            self.end(SLOW)
            return
        self._pending.append(event)
        self._signal.set()

    def end(self, reason: str) -> None:
        """End the subscription; its reader stops at once (queued events are dropped)."""
        if self.ended is None:
            self.ended = reason
            self._pending.clear()
            self._signal.set()

    async def _next(self) -> LiveEvent | None:
        while True:
            if self.ended is not None:
                return None
            if self._pending:
                return self._pending.popleft()
            self._signal.clear()
            await self._signal.wait()

    async def events(self) -> AsyncIterator[LiveEvent]:
        """The stream's events after the starting position, in order, each once."""
        self.hub._enter(self)
        try:
            while not self.hub._join(self):
                batch = await self.hub.read(self.viewer.stream, self.position, [self.viewer])
                if not batch:  # nothing above the position: the hub's is not ahead after all
                    self.hub._join(self, force=True)
                    break
                if not self.viewer.allowed:
                    self.end(ACCESS_ENDED)
                for caught_up in batch:
                    self.position = caught_up.seq
                    if self.ended is not None:
                        return
                    if service.may_see(self.viewer, caught_up):
                        yield caught_up
            while (event := await self._next()) is not None:
                yield event
        finally:
            self.hub._leave(self)


@dataclass(slots=True)
class _Stream:
    """A stream with subscribers: the last number the hub read, and who listens."""

    head: int
    subscribers: set[Subscription] = field(default_factory=set)
    # The highest number a commit announced (this process's listener or NOTIFY): a second
    # announcement of it (both come for this process's commits) needs no second read.
    announced: int = 0


class Hub:
    """The process's fan-out of events to stream subscribers."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.heartbeat = settings.event_heartbeat_seconds
        self._streams: dict[str, _Stream] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: Listener | None = None
        self._count = 0
        self._per_user: Counter[str] = Counter()
        self._closed = False
        self.reads = 0  # statements that read events (observable by tests and benchmarks)

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open in this process."""
        return self._count

    def subscribe(self, viewer: Viewer, position: int) -> Subscription:
        """A new subscription from `position` (503 when the process is full, 429 per user)."""
        if self._closed:
            raise ServiceUnavailable("The server is shutting down; reconnect shortly.")
        if self._count >= MAX_SUBSCRIBERS:
            raise ServiceUnavailable(
                "This server has too many open event streams; retry shortly or poll.",
                headers={"Retry-After": "5"},
            )
        if self._per_user[viewer.user_id] >= MAX_SUBSCRIBERS_PER_USER:
            raise TooManyRequests(
                f"At most {MAX_SUBSCRIBERS_PER_USER} event streams per user are open at once "
                "on one server; close some.",
                headers={"Retry-After": "5"},
            )
        self._start()
        return Subscription(self, viewer, position)

    def _enter(self, subscription: Subscription) -> None:
        """Count a subscription whose reader started (`_leave` uncounts it when it stops)."""
        self._count += 1
        self._per_user[subscription.viewer.user_id] += 1

    def _join(self, subscription: Subscription, *, force: bool = False) -> bool:
        """Join the stream's fan-out once the subscriber is not behind the hub's position."""
        if subscription.ended is not None:
            return True
        stream = subscription.viewer.stream
        state = self._streams.get(stream)
        if state is None:
            state = self._streams[stream] = _Stream(head=subscription.position)
        elif subscription.position < state.head and not force:
            return False
        state.subscribers.add(subscription)
        self._mark(stream)  # what committed since the start position is read at once
        return True

    def _leave(self, subscription: Subscription) -> None:
        if subscription.ended is None:
            subscription.ended = "closed"
        stream = subscription.viewer.stream
        state = self._streams.get(stream)
        if state is not None and subscription in state.subscribers:
            state.subscribers.discard(subscription)
            if not state.subscribers:
                del self._streams[stream]
                self._dirty.discard(stream)
        user_id = subscription.viewer.user_id
        self._count -= 1
        self._per_user[user_id] -= 1
        if self._per_user[user_id] <= 0:
            del self._per_user[user_id]

    async def read(self, stream: str, after: int, readers: list[Viewer]) -> list[LiveEvent]:
        """Up to READ_BATCH of the stream's events after a number (a connection of its own).

        When there are some, the readers' access is checked in the same read (one more
        statement): the subscriptions of those who lost it end before anything is handed out.
        """
        self.reads += 1
        async with self.database.session(writes=False) as session:
            batch = await service.read_after(session, stream, after, READ_BATCH)
            lost = await service.recheck(session, readers) if batch else []
        if lost:
            self._end_for(lost)
        return batch

    def _end_for(self, viewers: list[Viewer]) -> None:
        lost = {id(viewer) for viewer in viewers}
        for state in self._streams.values():
            for subscription in state.subscribers:
                if id(subscription.viewer) in lost:
                    subscription.end(ACCESS_ENDED)

    # Wake-ups -----------------------------------------------------------------------------

    def _mark(self, stream: str) -> None:
        self._dirty.add(stream)
        self._wake.set()

    def _committed(self, stream: str, seq: int) -> None:
        """This process committed events up to `seq` of the stream."""
        state = self._streams.get(stream)
        if state is not None and seq > max(state.head, state.announced):
            state.announced = seq
            self._mark(stream)

    def _notified(self, payload: str) -> None:
        """PostgreSQL told of a commit: "<stream> <last seq>"."""
        stream, _, seq = payload.rpartition(" ")
        if seq.isdigit():
            self._committed(stream, int(seq))

    def _reset(self) -> None:
        """The listener lost its connection: anything may have been missed; read everything."""
        for stream in self._streams:
            self._dirty.add(stream)
        self._wake.set()

    # The loop -----------------------------------------------------------------------------

    def _start(self) -> None:
        if self._task is not None:
            return
        self.database.commit_listeners.append(self._committed)
        if not self.database.settings.is_sqlite:
            from smarttask.db.listener import Listener

            self._listener = Listener(
                self.database.settings, CHANNEL, self._notified, self._reset, interval=1.0
            )
            self._listener.start()
        self._task = asyncio.create_task(self._run(), name="live-hub")

    def _listener_fresh(self) -> bool:
        return self._listener is not None and self._listener.fresh_within(CATCH_UP_SECONDS + 1)

    async def _run(self) -> None:
        now = time.monotonic()
        heads_at = recheck_at = now
        while True:
            now = time.monotonic()
            heads_every = SAFETY_SECONDS if self._listener_fresh() else CATCH_UP_SECONDS
            due = min(heads_at + heads_every, recheck_at + self.heartbeat)
            if not self._dirty:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(0.0, due - now))
            self._wake.clear()
            try:
                now = time.monotonic()
                if now >= heads_at + heads_every and self._streams:
                    await self._check_heads()
                if now >= heads_at + heads_every:
                    heads_at = now
                await self._read_dirty()
                if now >= recheck_at + self.heartbeat:
                    recheck_at = now
                    await self._recheck()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is away: keep the streams, try again
                log.warning("live hub could not read events", extra={"error": type(error).__name__})
                self._reset()
                await asyncio.sleep(_ERROR_PAUSE)

    async def _check_heads(self) -> None:
        """Mark the streams whose last number moved past the hub's (one statement per 500)."""
        names = list(self._streams)
        for start in range(0, len(names), READ_BATCH):
            chunk = names[start : start + READ_BATCH]
            async with self.database.session(writes=False) as session:
                lasts = await service.last_numbers(session, chunk)
            for stream, last in lasts.items():
                state = self._streams.get(stream)
                if state is not None and last > state.head:
                    self._dirty.add(stream)

    async def _read_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for stream in dirty:
            state = self._streams.get(stream)
            if state is None or not state.subscribers:
                continue
            readers = [subscription.viewer for subscription in state.subscribers]
            try:
                batch = await self.read(stream, state.head, readers)
            except Exception:
                self._dirty |= dirty  # read again after the pause
                raise
            for event in batch:
                for subscription in list(state.subscribers):
                    subscription.offer(event)
                state.head = event.seq
            if len(batch) == READ_BATCH:
                self._mark(stream)

    async def _recheck(self) -> None:
        """End the subscriptions of readers who may no longer read their stream."""
        for state in list(self._streams.values()):
            viewers = [subscription.viewer for subscription in state.subscribers]
            async with self.database.session(writes=False) as session:
                lost = await service.recheck(session, viewers)
            self._end_for(lost)

    async def close(self) -> None:
        """Stop the hub: end every subscription, stop listening."""
        self._closed = True
        for state in self._streams.values():
            for subscription in state.subscribers:
                subscription.end(SHUTDOWN)
        task, self._task = self._task, None
        if task is not None:
            await stop_task(task)
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        with contextlib.suppress(ValueError):
            self.database.commit_listeners.remove(self._committed)


def hub_of(state: object, database: Database, settings: Settings) -> Hub:
    """The app's hub (kept on `app.state`), created on first use."""
    hub: Hub | None = getattr(state, "live_hub", None)
    if hub is None:
        hub = Hub(database, settings)
        setattr(state, "live_hub", hub)  # noqa: B010
    return hub
