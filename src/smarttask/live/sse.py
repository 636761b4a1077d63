"""The event stream as a response: SSE framing, the retry hint, heartbeats, resuming.

Shared by the API's streams (bearer) and the web app's (page session cookie): the caller and
the stream are decided before; this starts the subscription at the reader's position and
frames each event as `id:` (its number), `event:` (its type) and `data:` (its JSON item).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse, ServerSentEvent

from smarttask.kit.problems import ProblemError, ValidationFailed
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.live import service
from smarttask.live.hub import Hub, hub_of
from smarttask.live.service import LiveEvent, Viewer

RETRY_MS = 3000  # the reconnection delay suggested to EventSource clients
_MAX_SEQ = 9_223_372_036_854_775_807

After = Annotated[
    int | None,
    Query(ge=0, le=_MAX_SEQ, description="Start after this event number (default: from now)."),
]
LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        max_length=19,
        description="Resume after this event number (sent by EventSource when it reconnects).",
    ),
]


class StreamsUnavailable(ProblemError):
    """This deployment cannot hold a stream open (AWS Lambda)."""

    status, slug = 501, "streams-unavailable"


def resume_point(after: int | None, last_event_id: str | None) -> int | None:
    """Where to start: `Last-Event-ID` (a reconnecting EventSource) wins over `after`."""
    if last_event_id is None or last_event_id == "":
        return after
    if not last_event_id.isdigit():
        raise ValidationFailed(
            "The request is not valid; see errors.",
            errors=[
                {
                    "loc": ["header", "Last-Event-ID"],
                    "msg": "must be an event number",
                    "type": "value_error",
                }
            ],
        )
    return int(last_event_id)


def hub(request: Request) -> Hub:
    """The app's hub, created by its first subscriber."""
    return hub_of(request.app.state, request.app.state.database, request.app.state.settings)


async def _until(events: AsyncIterator[LiveEvent], seconds: float) -> AsyncIterator[LiveEvent]:
    """The events that come within `seconds`; then the stream ends (the subscription with
    it) and the client reconnects from the last id it had."""
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                event = await asyncio.wait_for(anext(events), left)
            except (TimeoutError, StopAsyncIteration):
                return
            yield event
    finally:
        await events.aclose()  # type: ignore[attr-defined]


async def respond(
    request: Request, session: AsyncSession, viewer: Viewer, after: int | None
) -> EventSourceResponse:
    """Stream the viewer's stream from `after`; the request's connections go back first."""
    if "aws.context" in request.scope:
        raise StreamsUnavailable(
            "Event streams are not available on this deployment; poll the events call "
            "with `after` instead."
        )
    live = hub(request)
    position, gone = await service.start(session, viewer.stream, after)
    subscription = live.subscribe(viewer, position)
    # The stream holds no database connection while it waits: give the request's back now.
    await unit_of_work(request.scope).close()

    lifetime = request.app.state.settings.event_stream_max_seconds

    async def frames() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(retry=RETRY_MS, comment="connected")
        if gone:
            reset = {"reason": "expired", "next_after": str(position), "detail": service.GONE}
            yield ServerSentEvent(id=str(position), event="reset", data=json.dumps(reset))
        async for event in _until(subscription.events(), lifetime):
            yield ServerSentEvent(id=str(event.seq), event=event.type, data=event.json)

    return EventSourceResponse(
        frames(),
        ping=live.heartbeat,
        send_timeout=max(30.0, live.heartbeat * 2),
        headers={"Cache-Control": "no-store"},
    )
