"""The web app's live streams: the same streams as the API's, signed in by the page session.

EventSource cannot send an Authorization header, so the pages' script (static/live.js)
opens these instead: `/live` is the signed-in person's own stream (their notifications),
`/workspaces/{id}/live` a workspace's (members; 404 otherwise). Same framing, resuming
(Last-Event-ID or `after`), heartbeats and access re-checks as the API's streams. A browser
navigating to one (it asks for HTML, not `text/event-stream`) gets a page saying what the
address is, instead of a download that never ends.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.live import service, sse
from smarttask.web.deps import Id, PageCaller

router = APIRouter(include_in_schema=False)


class NotAStreamReader(ProblemError):
    """A navigation to a stream's address (it is read by the pages' script)."""

    status, slug = 406, "not-acceptable"


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "text/event-stream" not in accept:
        raise NotAStreamReader(
            "This address is a live event stream (text/event-stream) that the app's pages "
            "read by themselves; there is nothing to see here."
        )


@router.get("/live")
async def own_stream(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    after: sse.After = None,
    last_event_id: sse.LastEventId = None,
) -> Response:
    """The signed-in person's own events as they commit (SSE)."""
    _check_accept(request)
    start = sse.resume_point(after, last_event_id)
    return await sse.respond(request, session, service.own_viewer(caller.user), start)


@router.get("/workspaces/{workspace_id}/live")
async def workspace_stream(
    request: Request,
    workspace_id: Id,
    session: SessionDep,
    caller: PageCaller,
    after: sse.After = None,
    last_event_id: sse.LastEventId = None,
) -> Response:
    """A workspace's events as they commit (SSE), for its members."""
    start = sse.resume_point(after, last_event_id)
    viewer = await service.workspace_viewer(session, caller.user, workspace_id)
    _check_accept(request)
    return await sse.respond(request, session, viewer, start)
