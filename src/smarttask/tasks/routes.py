"""The endpoints of one task (docs/api.md, Tasks); its collections are in `collection_routes`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.activity.schemas import ActivityRead
from smarttask.kit.deps import ReaderDep, SettingsDep
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.responses import json_response
from smarttask.kit.session import SessionDep
from smarttask.speed.hotroute import hot_route
from smarttask.tasks import reads, related, service
from smarttask.tasks.schemas import (
    DependencyCreate,
    TaskRead,
    TaskUpdate,
)
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["tasks"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 412, 413, 415, 422)


@hot_route(
    router,
    "/tasks/{task_id}",
    methods=["GET"],
    response_model=TaskRead,
    responses=problems(*_ERRORS),
)
async def read_task(task_id: Id, user: CurrentUser, reader: ReaderDep) -> Response:
    """One task."""
    body = await reads.read_task(reader, user, task_id, Role.VIEWER, missing=service.MISSING)
    response = json_response(body)
    response.headers["ETag"] = etag(body["version"])
    return response


@router.patch("/tasks/{task_id}", response_model=TaskRead, responses=problems(*_WRITE_ERRORS))
async def update_task(
    task_id: Id,
    body: TaskUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Change some fields of a task, or move it to another project (members)."""
    task, _ = await service.load(session, user, task_id, Role.MEMBER)
    check_if_match(if_match, task.version)
    task = await service.update(session, user, task, body)
    response.headers["ETag"] = etag(task.version)
    written = await reads.written_task(session, user, task.id)
    return json_response(written, dependency_response=response)


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403, 412),
)
async def delete_task(
    task_id: Id,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Move a task with its subtasks and comments to the trash (members)."""
    task, _ = await service.load(session, user, task_id, Role.MEMBER)
    check_if_match(if_match, task.version)
    await service.delete(session, user, task, settings.trash.retention_days)
    return Response(status_code=204)


@router.post(
    "/tasks/{task_id}/dependencies",
    status_code=201,
    response_model=TaskRead,
    responses=problems(*_WRITE_ERRORS),
)
async def add_dependency(
    task_id: Id, body: DependencyCreate, user: CurrentUser, session: SessionDep
) -> TaskRead:
    """Make the task depend on another (members); cycles and other workspaces are refused."""
    task, key = await service.load(session, user, task_id, Role.MEMBER)
    await service.add_dependency(session, user, task, body.depends_on_id)
    return await service.read_one(session, task, key)


@router.get(
    "/tasks/{task_id}/dependencies",
    response_model=Page[TaskRead],
    responses=problems(*_ERRORS, 422),
)
async def list_dependencies(
    task_id: Id, user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[TaskRead]:
    """The tasks this one depends on (those the caller sees), in the order they were added."""
    task, _, access = await service.load_with_access(session, user, task_id, Role.VIEWER)
    hidden_for = access.private_filter_for
    return await related.dependencies_page(session, task, cursor, limit, hidden_for)


@router.get(
    "/tasks/{task_id}/subtasks", response_model=Page[TaskRead], responses=problems(*_ERRORS, 422)
)
async def list_subtasks(
    task_id: Id, user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[TaskRead]:
    """A task's direct subtasks, oldest first."""
    task, _ = await service.load(session, user, task_id, Role.VIEWER)
    return await related.subtasks_page(session, task, cursor, limit)


@router.delete(
    "/tasks/{task_id}/dependencies/{depends_on_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 403),
)
async def remove_dependency(
    task_id: Id, depends_on_id: Id, user: CurrentUser, session: SessionDep
) -> Response:
    """Remove a dependency (members)."""
    task, _ = await service.load(session, user, task_id, Role.MEMBER)
    await service.remove_dependency(session, user, task, depends_on_id)
    return Response(status_code=204)


@router.get(
    "/tasks/{task_id}/activity",
    response_model=Page[ActivityRead],
    responses=problems(*_ERRORS, 422),
    tags=["activity"],
)
async def task_activity(
    task_id: Id, user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ActivityRead]:
    """Everything that happened to one task, newest first."""
    return await service.list_activity(session, user, task_id, cursor, limit)
