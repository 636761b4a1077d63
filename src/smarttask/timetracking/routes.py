"""Time tracking endpoints (docs/api.md, Time tracking; docs/planning.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.timetracking import service, timers
from smarttask.timetracking.schemas import TimeEntryCreate, TimeEntryRead, TimeEntryUpdate

router = APIRouter(tags=["time tracking"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 412, 413, 415, 422)


def _answer(response: Response, entry_read: TimeEntryRead) -> TimeEntryRead:
    response.headers["ETag"] = etag(entry_read.version)
    return entry_read


@router.post(
    "/tasks/{task_id}/time-entries",
    status_code=201,
    response_model=TimeEntryRead,
    responses=problems(*_WRITE_ERRORS),
)
async def log_time(
    task_id: Id, body: TimeEntryCreate, user: CurrentUser, session: SessionDep, response: Response
) -> TimeEntryRead:
    """Log time on a task (members): `{started_at, ended_at}` or `{minutes, date}`."""
    entry = await service.log(session, user, task_id, body)
    response.headers["Location"] = f"/api/v1/time-entries/{entry.id}"
    return _answer(response, service.to_read(entry))


@router.get(
    "/tasks/{task_id}/time-entries",
    response_model=Page[TimeEntryRead],
    responses=problems(*_ERRORS, 422),
)
async def list_time_entries(
    task_id: Id, user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[TimeEntryRead]:
    """A task's time entries, newest first."""
    return await service.list_for_task(session, user, task_id, cursor, limit)


@router.post(
    "/tasks/{task_id}/timer",
    status_code=201,
    response_model=TimeEntryRead,
    responses={200: {"description": "Already running on this task"}, **problems(*_WRITE_ERRORS)},
)
async def start_timer(
    task_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> TimeEntryRead:
    """Start the caller's timer on a task; one running elsewhere is stopped first (Toggl-style)."""
    entry, created = await timers.start_timer(session, user, task_id)
    if not created:
        response.status_code = 200
    return _answer(response, service.to_read(entry))


@router.delete(
    "/tasks/{task_id}/timer", response_model=TimeEntryRead, responses=problems(*_WRITE_ERRORS)
)
async def stop_timer(
    task_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> TimeEntryRead:
    """Stop the caller's timer on this task; the answer is the finished entry (404 if none)."""
    entry = await timers.stop_timer(session, user, task_id)
    return _answer(response, service.to_read(entry))


@router.get("/users/me/timer", response_model=TimeEntryRead, responses=problems(*_ERRORS))
async def read_my_timer(
    user: CurrentUser, session: SessionDep, response: Response
) -> TimeEntryRead:
    """The caller's running timer (404 when none runs)."""
    return _answer(response, service.to_read(await timers.my_timer(session, user)))


@router.get("/time-entries/{entry_id}", response_model=TimeEntryRead, responses=problems(*_ERRORS))
async def read_time_entry(
    entry_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> TimeEntryRead:
    """One time entry."""
    entry = await service.load(session, user, entry_id, write=False)
    return _answer(response, service.to_read(entry))


@router.patch(
    "/time-entries/{entry_id}", response_model=TimeEntryRead, responses=problems(*_WRITE_ERRORS)
)
async def update_time_entry(
    entry_id: Id,
    body: TimeEntryUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> TimeEntryRead:
    """Change a time entry (its author or an admin)."""
    entry = await service.load(session, user, entry_id, write=True)
    check_if_match(if_match, entry.version)
    entry = await service.update(session, user, entry, body)
    return _answer(response, service.to_read(entry))


@router.delete(
    "/time-entries/{entry_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_time_entry(
    entry_id: Id, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a time entry (its author or an admin)."""
    entry = await service.load(session, user, entry_id, write=True)
    check_if_match(if_match, entry.version)
    await service.delete(session, user, entry)
    return Response(status_code=204)
