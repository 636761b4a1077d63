"""Who may see which events, where a reader starts, and the polling call.

`may_see` is the one rule deciding whether a viewer receives an event; the polling call and
every stream (the hub's fan-out and a subscriber's own catch-up) go through it.

Private projects: a workspace's event carries its project (`project_id`); a viewer never
receives the events of a private project hidden from them (`Viewer.hidden`, the workspace's
private projects they cannot see, by workspaces/access.py's rule). It is renewed with the
role, in the same read as each batch of events (`recheck`), so a project made private, or
a viewer taken out of one, is honoured from the next event on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smarttask.events import outbox
from smarttask.events import repository as events
from smarttask.kit.problems import ProblemError
from smarttask.live import repository
from smarttask.live.schemas import EventPage, EventRead
from smarttask.notifications.visibility import hidden_projects
from smarttask.workspaces.access import require_role
from smarttask.workspaces.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from smarttask.accounts.models import User
    from smarttask.events.models import Event

GONE = (
    "Events after this point are no longer kept (they are older than the retention). "
    "Reload what you show and start again without `after`."
)


class EventsGone(ProblemError):
    """The client's position is older than what the stream still keeps (or unknown)."""

    status, slug = 410, "events-gone"


@dataclass(slots=True)
class Viewer:
    """Who reads a stream: the user, the stream, and (for a workspace's) their role in it."""

    user_id: str
    stream: str
    workspace_id: str | None = None
    role: Role | None = None
    allowed: bool = True  # false once a re-check found the access gone
    hidden: frozenset[str] = frozenset()  # the workspace's private projects hidden from them


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event as readers get it; `json` is its item, serialised once for every reader."""

    seq: int
    type: str
    stream: str
    workspace_id: str | None
    project_id: str | None
    actor_id: str | None
    created_at: datetime
    data: dict[str, Any]
    json: str = field(repr=False)

    @classmethod
    def of(cls, row: Event) -> LiveEvent:
        """The live form of a stored event."""
        item = _item(row)
        return cls(
            row.seq,
            row.type,
            row.stream,
            row.workspace_id,
            row.project_id,
            row.actor_id,
            row.created_at,
            row.data,
            item.model_dump_json(),
        )


def _item(row: Event) -> EventRead:
    return EventRead(
        id=str(row.seq),
        type=row.type,
        created_at=row.created_at,
        actor_id=row.actor_id,
        data=row.data,
    )


def may_see(viewer: Viewer, event: LiveEvent | Event) -> bool:
    """Whether the viewer may receive the event: theirs to read, and not of a private project
    hidden from them."""
    if not viewer.allowed or event.stream != viewer.stream:
        return False
    if viewer.workspace_id is None:
        return viewer.stream == outbox.user_stream(viewer.user_id)
    return (
        viewer.role is not None
        and event.workspace_id == viewer.workspace_id
        and (event.project_id is None or event.project_id not in viewer.hidden)
    )


async def workspace_viewer(session: AsyncSession, user: User, workspace_id: str) -> Viewer:
    """The caller as a reader of the workspace's stream; 404 when not a member."""
    access = await require_role(session, user, workspace_id, Role.VIEWER)
    hidden = await hidden_projects(session, workspace_id, {user.id: access.membership.role})
    return Viewer(
        user.id,
        outbox.workspace_stream(workspace_id),
        workspace_id=workspace_id,
        role=access.role,
        hidden=hidden[user.id],
    )


def own_viewer(user: User) -> Viewer:
    """The caller as the reader of their own stream (their notifications)."""
    return Viewer(user.id, outbox.user_stream(user.id))


async def start(session: AsyncSession, stream: str, after: int | None) -> tuple[int, bool]:
    """Where a reader starts and whether its `after` is gone.

    No `after`: from now (the stream's last number). `after=0`: from the oldest event kept.
    Gone: `after` is above the last number, or events above it were pruned.
    """
    last = await events.last_seq(session, stream)
    if after is None:
        return last, False
    if after > last:
        return last, True
    if 0 < after < last:
        oldest = await events.oldest_kept(session, stream)
        if oldest is None or oldest > after + 1:
            return last, True
    return after, False


async def read_page(
    session: AsyncSession, viewer: Viewer, after: int | None, limit: int
) -> EventPage:
    """The events after `after` the viewer may see, oldest first (410 when `after` is gone)."""
    position, gone = await start(session, viewer.stream, after)
    if gone:
        raise EventsGone(GONE, extra={"code": "events_gone", "next_after": str(position)})
    if after is None:
        return EventPage(items=[], next_after=str(position))
    rows = await events.after(session, viewer.stream, position, limit)
    if viewer.workspace_id is not None and any(row.project_id for row in rows):
        await recheck(session, [viewer])  # who sees which project, as of these events
    items = [_item(row) for row in rows if may_see(viewer, row)]
    return EventPage(items=items, next_after=str(rows[-1].seq if rows else position))


async def read_after(session: AsyncSession, stream: str, after: int, limit: int) -> list[LiveEvent]:
    """The stream's events after a number, in order, at most `limit` (for the hub)."""
    return [LiveEvent.of(row) for row in await events.after(session, stream, after, limit)]


async def last_numbers(session: AsyncSession, streams: list[str]) -> dict[str, int]:
    """The last numbers of these streams, in one statement."""
    return await events.last_seqs(session, streams)


async def recheck(session: AsyncSession, viewers: list[Viewer]) -> list[Viewer]:
    """The viewers (all of one stream) who may no longer read it; the others' roles and
    hidden private projects renewed.

    A workspace's stream: members whose account is active. A user's own: an active account.
    """
    if not viewers:
        return []
    user_ids = sorted({viewer.user_id for viewer in viewers})
    workspace_id = viewers[0].workspace_id
    if workspace_id is None:
        active = await repository.active_users(session, user_ids)
        for viewer in viewers:
            viewer.allowed = viewer.user_id in active
    else:
        roles = await repository.member_roles(session, workspace_id, user_ids)
        hidden = await hidden_projects(session, workspace_id, roles)
        for viewer in viewers:
            role = roles.get(viewer.user_id)
            viewer.role = Role(role) if role is not None else None
            viewer.allowed = viewer.role is not None
            viewer.hidden = hidden.get(viewer.user_id, viewer.hidden)
    return [viewer for viewer in viewers if not viewer.allowed]
