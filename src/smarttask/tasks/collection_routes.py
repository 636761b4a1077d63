"""Task endpoints on collections: a project's tasks (create, list, counts), a workspace's and
the caller's (docs/api.md, Tasks).

Apart from the endpoints of one task (`tasks/routes.py`): a cold Lambda container builds the
routes of the paths its first request is under only, and a task create does not import the
task reads' routes, nor a task read these (docs/benchmarks.md, "Lambda cold start and memory").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.deps import UnitOfWorkDep
from smarttask.kit.etag import etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.kit.responses import json_response
from smarttask.kit.session import SessionDep
from smarttask.projects import service as projects
from smarttask.speed.hotroute import hot_route
from smarttask.tasks import field_lists, reads, related, service
from smarttask.tasks.filters import Filters
from smarttask.tasks.mine import my_query
from smarttask.tasks.schemas import TaskCounts, TaskCreate, TaskRead
from smarttask.workspaces.access import check_project
from smarttask.workspaces.deps import WorkspaceViewer
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["tasks"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
TaskKey = Annotated[str, Path(min_length=3, max_length=32)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 412, 413, 415, 422)


@router.post(
    "/projects/{project_id}/tasks",
    status_code=201,
    response_model=TaskRead,
    responses=problems(*_WRITE_ERRORS),
)
async def create_task(
    project_id: Id, body: TaskCreate, user: CurrentUser, session: SessionDep, response: Response
) -> Response:
    """Create a task (members)."""
    project = await projects.load(session, user, project_id, Role.MEMBER)
    task, _ = await service.create(session, user, project, body)
    response.headers["ETag"] = etag(task.version)
    response.headers["Location"] = f"/api/v1/tasks/{task.id}"
    written = await reads.written_task(session, user, task.id)
    return json_response(written, status_code=201, dependency_response=response)


@hot_route(
    router,
    "/projects/{project_id}/tasks",
    methods=["GET"],
    response_model=Page[TaskRead],
    responses=problems(*_ERRORS, 422),
)
async def list_project_tasks(
    project_id: Id,
    user: CurrentUser,
    filters: Filters,
    uow: UnitOfWorkDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Response:
    """A project's tasks, filtered and sorted, one keyset page at a time."""
    reader = await uow.reader()
    try:
        # Scoped by the project; its workspace is known once the statement has run.
        query = filters.query("", project_id, cursor)
    except ValidationFailed:
        # A missing or foreign project answers before invalid list parameters.
        await reads.project_for_member(
            reader, user, project_id, Role.VIEWER, missing=projects.MISSING
        )
        raise
    if query.needs_fields:
        project = await reads.project_for_member(
            reader, user, project_id, Role.VIEWER, missing=projects.MISSING
        )
        query = await field_lists.resolve(
            query, project["workspace_id"], field_lists.on_reader(reader)
        )
    if not query.q:
        page = await reads.project_page(
            reader, user, query, limit, Role.VIEWER, missing=projects.MISSING
        )
        return json_response(page)
    # Full-text search: the session path (its SQL depends on the database).
    project = await reads.project_for_member(
        reader, user, project_id, Role.VIEWER, missing=projects.MISSING
    )
    query = replace(query, workspace_id=project["workspace_id"])
    found = await service.list_page(uow.session, query, limit)
    return Response(found.model_dump_json(), media_type="application/json")


@router.get(
    "/projects/{project_id}/tasks/counts",
    response_model=TaskCounts,
    responses=problems(*_ERRORS),
)
async def count_project_tasks(project_id: Id, user: CurrentUser, session: SessionDep) -> TaskCounts:
    """How many tasks of the project are in each status."""
    project = await projects.load(session, user, project_id, Role.VIEWER)
    return await service.count_by_status(session, project)


@router.get("/users/me/tasks", response_model=Page[TaskRead], responses=problems(*_ERRORS, 422))
async def list_my_tasks(
    user: CurrentUser,
    session: SessionDep,
    filters: Filters,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[TaskRead]:
    """The caller's assigned tasks across their workspaces, with the task list's filters.

    Without `status`: the open ones; without `sort` (or `q`): soonest due first.
    """
    return await service.list_page(session, my_query(filters, user.id, cursor), limit)


@router.get(
    "/workspaces/{workspace_id}/tasks",
    response_model=Page[TaskRead],
    responses=problems(*_ERRORS, 422),
)
async def list_workspace_tasks(
    access: WorkspaceViewer,
    session: SessionDep,
    filters: Filters,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[TaskRead]:
    """Every task of a workspace the caller sees, filtered and sorted, one keyset page at a time."""
    query = filters.query(access.workspace.id, None, cursor)
    query = replace(query, private_filter_for=access.private_filter_for)
    query = await field_lists.resolve(query, access.workspace.id, field_lists.on_session(session))
    return await service.list_page(session, query, limit)


@router.get(
    "/workspaces/{workspace_id}/tasks/by-key/{key}",
    response_model=TaskRead,
    responses=problems(*_ERRORS),
)
async def read_task_by_key(
    key: TaskKey, access: WorkspaceViewer, session: SessionDep, response: Response
) -> TaskRead:
    """A task by its key, such as WEB-42."""
    found = await related.find_by_key(session, access.workspace.id, key)
    if found is None:
        raise NotFound(service.MISSING)
    await check_project(session, access, found[0].project_id, missing=service.MISSING)
    response.headers["ETag"] = etag(found[0].version)
    return await service.read_one(session, *found)
