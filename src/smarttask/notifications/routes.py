"""Notification endpoints (contract §9; docs/notifications.md): the inbox, watching a task,
preferences. Thin routes over notifications/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.notifications import service
from smarttask.notifications.schemas import (
    NotificationRead,
    PreferencesRead,
    PreferencesUpdate,
    ReadAll,
    WatchRead,
)

router = APIRouter(tags=["notifications"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 503)


@router.get(
    "/notifications", response_model=Page[NotificationRead], responses=problems(*_ERRORS, 422)
)
async def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
) -> Page[NotificationRead]:
    """The caller's notifications, newest first (`unread=true`: only those not read yet)."""
    return await service.inbox(session, user, unread_only=unread, cursor=cursor, limit=limit)


@router.post("/notifications/read-all", response_model=ReadAll, responses=problems(*_ERRORS, 422))
async def read_all(user: CurrentUser, session: SessionDep) -> ReadAll:
    """Mark every notification of the caller read."""
    return await service.mark_all_read(session, user)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationRead,
    responses=problems(*_ERRORS, 404, 422),
)
async def read_one(notification_id: Id, user: CurrentUser, session: SessionDep) -> NotificationRead:
    """Mark one of the caller's notifications read (anyone else's: 404)."""
    return await service.mark_read(session, user, notification_id)


@router.get("/tasks/{task_id}/watch", response_model=WatchRead, responses=problems(*_ERRORS, 404))
async def read_watch(task_id: Id, user: CurrentUser, session: SessionDep) -> WatchRead:
    """Whether the caller watches the task (its workspace's viewers; 404 otherwise)."""
    return await service.watching(session, user, task_id)


@router.post(
    "/tasks/{task_id}/watch", response_model=WatchRead, responses=problems(*_ERRORS, 404, 422)
)
async def watch(task_id: Id, user: CurrentUser, session: SessionDep) -> WatchRead:
    """Watch the task: hear of its comments and status changes (viewers; 404 otherwise)."""
    return await service.watch(session, user, task_id)


@router.delete(
    "/tasks/{task_id}/watch",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 404),
)
async def unwatch(task_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Stop watching the task (viewers; 404 otherwise)."""
    await service.unwatch(session, user, task_id)
    return Response(status_code=204)


@router.get(
    "/users/me/notification-preferences",
    response_model=PreferencesRead,
    responses=problems(*_ERRORS),
)
async def read_preferences(user: CurrentUser, session: SessionDep) -> PreferencesRead:
    """The caller's preference for every notification type."""
    return await service.preferences(session, user)


@router.put(
    "/users/me/notification-preferences",
    response_model=PreferencesRead,
    responses=problems(*_ERRORS, 413, 415, 422),
)
async def update_preferences(
    body: PreferencesUpdate, user: CurrentUser, session: SessionDep
) -> PreferencesRead:
    """Set the caller's preferences for the types given (the others keep theirs)."""
    return await service.set_preferences(session, user, body)
