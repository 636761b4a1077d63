"""Import and export endpoints (docs/import-export.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from smarttask.accounts.deps import CurrentUser
from smarttask.imports import exporter, service
from smarttask.imports.schemas import ExportFormat, ImportRead
from smarttask.imports.upload import read_upload
from smarttask.kit.deps import DatabaseDep
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["import and export"])
ProjectId = Annotated[str, Path(min_length=1, max_length=64)]
ImportId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/projects/{project_id}/export",
    responses={
        200: {"content": {"application/json": {}, "text/csv": {}}},
        **problems(*_ERRORS, 422),
    },
)
async def export_project(
    project_id: ProjectId,
    user: CurrentUser,
    session: SessionDep,
    database: DatabaseDep,
    format: Annotated[ExportFormat, Query(description="csv or json")] = "json",
) -> StreamingResponse:
    """The project's tasks, labels, comments, dependencies and subtasks (viewers), streamed."""
    project = await service.load_project(session, user, project_id, Role.VIEWER)

    async def body() -> AsyncIterator[bytes]:
        async with database.session(writes=False) as reader:
            chunks = exporter.json_chunks if format == "json" else exporter.csv_chunks
            async for chunk in chunks(reader, project):
                yield chunk

    name = f"{project.key}-tasks.{format}"
    return StreamingResponse(
        body(),
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/projects/{project_id}/import",
    status_code=202,
    response_model=ImportRead,
    responses=problems(*_ERRORS, 403, 409, 413, 415, 422),
    description="The file is the body: `multipart/form-data` with the field `file`, or the "
    "raw file as `text/csv` or `application/json` (at most 20 MiB). It is read as a file, "
    "not as a JSON body: its format is detected (smarttask CSV or JSON, Todoist CSV, Trello "
    "JSON) and a job imports it (docs/import-export.md).",
)
async def import_file(
    project_id: ProjectId,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
) -> ImportRead:
    """Upload a file to import into the project (members): 202, then a job applies it."""
    project = await service.load_project(session, user, project_id, Role.MEMBER)
    data, filename = await read_upload(request)
    row = await service.start(session, user, project, data, filename)
    response.headers["Location"] = f"/api/v1/imports/{row.id}"
    return service.to_read(row)


@router.get(
    "/projects/{project_id}/imports",
    response_model=Page[ImportRead],
    responses=problems(*_ERRORS, 422),
)
async def list_imports(
    project_id: ProjectId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ImportRead]:
    """The project's imports, newest first (viewers)."""
    project = await service.load_project(session, user, project_id, Role.VIEWER)
    return await service.list_for_project(session, project, cursor, limit)


@router.get("/imports/{import_id}", response_model=ImportRead, responses=problems(*_ERRORS))
async def read_import(import_id: ImportId, user: CurrentUser, session: SessionDep) -> ImportRead:
    """An import: pending, running, done (with its report) or failed (with the reason)."""
    return await service.read(session, user, import_id)
