"""Import rules: who may, which formats, and an import's life (docs/import-export.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.imports import repository
from smarttask.imports.formats.detect import detect
from smarttask.imports.ir import FormatError
from smarttask.imports.models import PENDING, ProjectImport
from smarttask.imports.schemas import ImportRead
from smarttask.jobs.queue import enqueue
from smarttask.kit.pagination import Page, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.projects import service as projects
from smarttask.projects.models import Project
from smarttask.workspaces.access import require_project_role
from smarttask.workspaces.roles import Role

RUN = "imports.run"
MISSING = "There is no such import."
# A failed attempt (the database went away) is tried again; a refused file is not.
MAX_ATTEMPTS = 3


def _bad_file(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", "file"], "msg": message, "type": "value_error"}]
    )


async def load_project(
    session: AsyncSession, user: User, project_id: str, minimum: Role
) -> Project:
    """The project, if the user may act on it with `minimum` (else 404 or 403)."""
    return await projects.load(session, user, project_id, minimum)


async def start(
    session: AsyncSession, user: User, project: Project, data: bytes, filename: str | None
) -> ProjectImport:
    """Keep an uploaded file and queue its import (members); 422 if its format is unknown."""
    if not data.strip():
        raise _bad_file("The file is empty.")
    try:
        kind = detect(data)
    except FormatError as error:
        raise _bad_file(str(error)) from None
    row = ProjectImport(
        id=new_id(),
        workspace_id=project.workspace_id,
        project_id=project.id,
        user_id=user.id,
        status=PENDING,
        format=kind,
        filename=filename[:255] if filename else None,
        size=len(data),
        content=data,
        created_at=utcnow(),
    )
    await repository.add(session, row)
    activity.record(
        session,
        workspace_id=project.workspace_id,
        project_id=project.id,
        actor_id=user.id,
        action="created",
        entity_type="import",
        entity_id=row.id,
        changes=activity.snapshot({"format": kind, "filename": row.filename, "size": row.size}),
    )
    await enqueue(session, RUN, {"import_id": row.id}, max_attempts=MAX_ATTEMPTS)
    return row


def to_read(row: ProjectImport) -> ImportRead:
    """An import as the API shows it."""
    return ImportRead.model_validate(row)


async def read(session: AsyncSession, user: User, import_id: str) -> ImportRead:
    """One import, to the viewers of its project (404 for anyone else)."""
    row = await repository.get(session, import_id)
    if row is None:
        raise NotFound(MISSING)
    await require_project_role(
        session, user, row.workspace_id, row.project_id, Role.VIEWER, missing=MISSING
    )
    return to_read(row)


async def list_for_project(
    session: AsyncSession, project: Project, cursor: str | None, limit: int
) -> Page[ImportRead]:
    """A project's imports, newest first (its viewers checked by the caller)."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_for_project(session, project.id, after, size),
        lambda row: created_cursor(row.created_at, row.id),
    )
    return rows.read(to_read)
