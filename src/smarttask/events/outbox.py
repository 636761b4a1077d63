"""Publishing events: `emit` in the transaction of the change, numbered just before it commits.

Before the commit, in this order: the reactions of the domains the wiring point names run
over the transaction's events (they may emit more: a notification's `notification.created`
on its user's stream); then each stream's events take their numbers (streams in key order,
so two transactions never wait on each other crosswise) and are inserted; PostgreSQL is
told (NOTIFY, delivered only on commit). After the commit, this process's listeners are
called. A rollback drops the lot: nothing is published for work that did not commit.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import DATABASE_KEY, Database
from smarttask.db.hooks import after_commit, before_commit, uncommitted_key
from smarttask.db.types import new_id, utcnow
from smarttask.events import repository

log = logging.getLogger("smarttask.events")
_PENDING = uncommitted_key("smarttask.events.pending")


def workspace_stream(workspace_id: str) -> str:
    """The stream of a workspace's events (its members subscribe)."""
    return f"w:{workspace_id}"


def user_stream(user_id: str) -> str:
    """The stream of one user's own events (their notifications)."""
    return f"u:{user_id}"


@dataclass(slots=True)
class Published:
    """An event of the current transaction; `seq` and `created_at` are set just before the
    commit, under the stream's lock (so both grow together along a stream)."""

    type: str
    stream: str
    workspace_id: str | None
    project_id: str | None
    actor_id: str | None
    data: dict[str, Any]
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    seq: int | None = None


class Reaction(Protocol):
    """What a module named in `Database.reactions` offers."""

    async def __call__(self, session: AsyncSession, events: Sequence[Published]) -> None: ...


def emit(
    session: AsyncSession,
    type: str,
    data: dict[str, Any],
    *,
    workspace_id: str | None,
    project_id: str | None = None,
    actor_id: str | None = None,
    stream: str | None = None,
) -> Published:
    """Publish an event with the transaction (on its workspace's stream unless named)."""
    if stream is None:
        if workspace_id is None:
            raise ValueError("an event needs a workspace or a stream")
        stream = workspace_stream(workspace_id)
    event = Published(
        type=type,
        stream=stream,
        workspace_id=workspace_id,
        project_id=project_id,
        actor_id=actor_id,
        data=to_jsonable_python(data),
    )
    session.info.setdefault(_PENDING, []).append(event)
    before_commit(session, "events", _publish)
    return event


async def _react(session: AsyncSession, database: Database | None) -> list[Published]:
    """Run the reactions until no new event comes; every event of the transaction."""
    everything: list[Published] = []
    batch: list[Published] = session.info.pop(_PENDING, [])
    modules = database.reactions if database is not None else ()
    while batch:
        everything.extend(batch)
        for name in modules:
            await importlib.import_module(name).react(session, tuple(batch))
        batch = session.info.pop(_PENDING, [])
    return everything


async def _publish(session: AsyncSession) -> None:
    database = session.info.get(DATABASE_KEY)
    database = database if isinstance(database, Database) else None
    events = await _react(session, database)
    if not events:
        return
    by_stream: dict[str, list[Published]] = defaultdict(list)
    for event in events:
        by_stream[event.stream].append(event)
    last: dict[str, int] = {}
    for stream in sorted(by_stream):  # one lock order for every transaction
        numbered = by_stream[stream]
        top = await repository.take_sequence(session, stream, len(numbered))
        # Stamped under the stream's lock: the retention prunes by time, and a stream's
        # times then grow with its numbers, so pruning only ever removes a prefix of it.
        now = utcnow()
        for offset, event in enumerate(numbered):
            event.seq = top - len(numbered) + 1 + offset
            event.created_at = now
        last[stream] = top
    await repository.insert_events(session, [_row(event) for event in events])
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await repository.notify(session, [f"{stream} {seq}" for stream, seq in last.items()])
    if database is not None and database.commit_listeners:
        after_commit(session, functools.partial(_tell, database, last))


def _row(event: Published) -> dict[str, Any]:
    return {
        "stream": event.stream,
        "seq": event.seq,
        "id": event.id,
        "type": event.type,
        "workspace_id": event.workspace_id,
        "project_id": event.project_id,
        "actor_id": event.actor_id,
        "data": event.data,
        "created_at": event.created_at,
    }


async def _tell(database: Database, last: dict[str, int]) -> None:
    for listener in list(database.commit_listeners):
        for stream, seq in last.items():
            try:
                listener(stream, seq)
            except Exception as error:  # one failing listener never silences the others
                log.warning("event commit listener failed", exc_info=error)
