"""A project's "Import / export" page, /projects/{id}/import: download the project as CSV
or JSON, upload a file to import, and read each import's report.

The routes call what the API's routes call (imports.service, imports.exporter, the same
upload reader and limits); the upload form is CSRF-protected like every page form. While an
import waits or runs, its status part refreshes itself when the person's live stream says
`import.finished` (static/live.js), or every 15 s where no stream can be opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.imports import exporter
from smarttask.imports import service as imports
from smarttask.imports.formats.detect import NAMES
from smarttask.imports.limits import MAX_UPLOAD_BYTES
from smarttask.imports.schemas import ImportRead
from smarttask.imports.upload import read_upload
from smarttask.kit.problems import NotFound, ProblemError
from smarttask.kit.session import SessionDep
from smarttask.projects import members
from smarttask.projects.models import Project
from smarttask.web.deps import Id, PageCaller
from smarttask.web.layout import page
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
LISTED = 10  # the newest imports shown
# The refusals the upload form shows on the page; others are the error page (403, 404).
_SHOWN = (413, 415, 422)
_MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _path(project: Project) -> str:
    return f"/projects/{project.id}/import"


async def _one(
    session: AsyncSession, caller: WebCaller, import_id: str | None
) -> ImportRead | None:
    if not import_id:
        return None
    try:
        return await imports.read(session, caller.user, import_id)
    except NotFound:
        return None


async def _page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    project: Project,
    access: WorkspaceAccess,
    *,
    shown: ImportRead | None = None,
    problem: ProblemError | None = None,
) -> Response:
    listed = await imports.list_for_project(session, project, None, LISTED)
    context: dict[str, Any] = {
        "project": project,
        "workspace": access.workspace,
        "view": "import",
        "can_import": access.role.at_least(Role.MEMBER),
        "imports": [i for i in listed.items if shown is None or i.id != shown.id],
        "shown": shown,
        "formats": NAMES,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "error": problem.detail if problem else None,
    }
    return await page(
        request,
        session,
        caller,
        "imports/page.html",
        context,
        workspace_id=project.workspace_id,
        status=problem.status if problem else 200,
    )


@router.get("/projects/{project_id}/import")
async def import_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    shown: str | None = Query(default=None, alias="import", max_length=64),
) -> Response:
    """The downloads, the upload form (members) and the project's latest imports."""
    project, access = await members.open_project(session, caller.user, project_id, Role.VIEWER)
    one = await _one(session, caller, shown)
    if one is not None and one.project_id != project.id:
        one = None
    return await _page(request, session, caller, project, access, shown=one)


@router.get("/projects/{project_id}/import/status")
async def import_status(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    shown: str | None = Query(default=None, alias="import", max_length=64),
) -> Response:
    """One import's status and report alone (htmx refreshes it when the import ends)."""
    project, _ = await members.open_project(session, caller.user, project_id, Role.VIEWER)
    one = await _one(session, caller, shown)
    if one is None or one.project_id != project.id:
        raise NotFound(imports.MISSING)
    return render(request, "imports/_status.html", {"project": project, "item": one})


@router.post("/projects/{project_id}/import")
async def upload(
    request: Request, session: SessionDep, caller: PageCaller, project_id: Id
) -> Response:
    """Upload a file to import (members); on to its status, or the refusal on the page."""
    project, access = await members.open_project(session, caller.user, project_id, Role.MEMBER)
    try:
        data, filename = await read_upload(request)
        row = await imports.start(session, caller.user, project, data, filename)
    except ProblemError as problem:
        if problem.status not in _SHOWN:
            raise
        return await _page(request, session, caller, project, access, problem=problem)
    return RedirectResponse(f"{_path(project)}?import={row.id}", status_code=303)


@router.get("/projects/{project_id}/export")
async def download(
    session: SessionDep,
    caller: PageCaller,
    project_id: Id,
    request: Request,
    format: Literal["csv", "json"] = "json",
) -> Response:
    """The project as a smarttask/1 CSV or JSON file (viewers), streamed."""
    project, _ = await members.open_project(session, caller.user, project_id, Role.VIEWER)
    database = request.app.state.database

    async def body() -> AsyncIterator[bytes]:
        async with database.session(writes=False) as reader:
            chunks = exporter.json_chunks if format == "json" else exporter.csv_chunks
            async for chunk in chunks(reader, project):
                yield chunk

    return StreamingResponse(
        body(),
        media_type=_MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="{project.key}-tasks.{format}"',
            "Cache-Control": "no-store",
        },
    )
