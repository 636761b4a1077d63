"""Live event calls (docs/live-events.md): a workspace's events and the caller's own, polled
as JSON or streamed as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.live import service, sse
from smarttask.live.schemas import EventPage

router = APIRouter(tags=["live events"])
WorkspaceId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many events (1-100).")]
_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `id:` (the event number), `event:` (its type), "
        "`data:` (the JSON item of the polling call); heartbeats as comments.",
        "content": {"text/event-stream": {}},
    }
}


@router.get(
    "/workspaces/{workspace_id}/events",
    response_model=EventPage,
    responses=problems(401, 404, 410, 422, 503),
)
async def workspace_events(
    workspace_id: WorkspaceId,
    user: CurrentUser,
    session: SessionDep,
    after: sse.After = None,
    limit: Limit = 100,
) -> EventPage:
    """The workspace's events after `after`, oldest first (members; 410 when `after` is gone)."""
    viewer = await service.workspace_viewer(session, user, workspace_id)
    return await service.read_page(session, viewer, after, limit)


@router.get(
    "/workspaces/{workspace_id}/events/stream",
    response_class=Response,
    responses={**_STREAM, **problems(401, 404, 422, 429, 501, 503)},
)
async def workspace_event_stream(
    request: Request,
    workspace_id: WorkspaceId,
    user: CurrentUser,
    session: SessionDep,
    after: sse.After = None,
    last_event_id: sse.LastEventId = None,
) -> Response:
    """The workspace's events as they commit (SSE); resume with `Last-Event-ID` or `after`."""
    start = sse.resume_point(after, last_event_id)
    viewer = await service.workspace_viewer(session, user, workspace_id)
    return await sse.respond(request, session, viewer, start)


@router.get("/users/me/events", response_model=EventPage, responses=problems(401, 410, 422, 503))
async def my_events(
    user: CurrentUser, session: SessionDep, after: sse.After = None, limit: Limit = 100
) -> EventPage:
    """The caller's own events (notifications) after `after`, oldest first."""
    return await service.read_page(session, service.own_viewer(user), after, limit)


@router.get(
    "/users/me/events/stream",
    response_class=Response,
    responses={**_STREAM, **problems(401, 422, 429, 501, 503)},
)
async def my_event_stream(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    after: sse.After = None,
    last_event_id: sse.LastEventId = None,
) -> Response:
    """The caller's own events as they commit (SSE); resume with `Last-Event-ID` or `after`."""
    start = sse.resume_point(after, last_event_id)
    return await sse.respond(request, session, service.own_viewer(user), start)
