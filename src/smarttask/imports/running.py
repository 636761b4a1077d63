"""The import job: parse the kept file and apply it in the job's one transaction.

The import is marked `running` in a short transaction of its own (so that readers see it),
then parsed and applied in the job's session. If anything fails midway, that whole session
is rolled back (no task, label, comment, event or activity of the import remains) and the
import is marked `failed`, with the reason, in the same session after the rollback.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.types import utcnow
from smarttask.events import outbox
from smarttask.imports import applier, repository
from smarttask.imports.formats.detect import parse
from smarttask.imports.ir import FormatError
from smarttask.imports.models import DONE, FAILED
from smarttask.jobs.registry import JobContext
from smarttask.kit.problems import ProblemError
from smarttask.projects import repository as projects
from smarttask.workspaces.access import require_project_role
from smarttask.workspaces.roles import Role

log = logging.getLogger("smarttask.imports")
# On the importing user's own live stream: the import page refreshes its status.
FINISHED = "import.finished"
STOPPED = "The import stopped before it finished; nothing of it was imported."


async def _mark_running(ctx: JobContext, import_id: str) -> bool:
    """Mark the import running (committed at once); False if it already ended."""
    async with ctx.database.session() as session:
        started = await repository.mark_running(session, import_id)
        await session.commit()
    return started


async def run(ctx: JobContext, import_id: str) -> None:
    """Run one import to its end: done with a report, or failed with a reason."""
    if not await _mark_running(ctx, import_id):
        return
    session = ctx.session
    row = await repository.get(session, import_id, content=True)
    if row is None or row.content is None:
        return
    user = await session.get(User, row.user_id) if row.user_id else None
    project = await projects.get(session, row.project_id)
    if user is None or project is None:
        await repository.finish(
            session, import_id, FAILED, utcnow(), error="The project or its importer is gone."
        )
        return
    user_id, project_id = user.id, project.id  # kept through a rollback
    try:
        await require_project_role(
            session, user, project.workspace_id, project.id, Role.MEMBER, missing=STOPPED
        )
        parsed = parse(row.content)
    except (ProblemError, FormatError) as error:
        reason = error.detail if isinstance(error, ProblemError) else str(error)
        await repository.finish(session, import_id, FAILED, utcnow(), error=reason[:500])
        _announce(session, user_id, project_id, import_id, FAILED)
        return
    try:
        report = await applier.apply(session, user, project, parsed)
    except Exception:
        log.exception("import failed", extra={"import_id": import_id})
        await session.rollback()
        await repository.finish(session, import_id, FAILED, utcnow(), error=STOPPED)
        _announce(session, user_id, project_id, import_id, FAILED)
        return
    await repository.finish(session, import_id, DONE, utcnow(), report=report.as_json())
    _announce(session, user_id, project_id, import_id, DONE)


def _announce(
    session: AsyncSession, user_id: str, project_id: str, import_id: str, status: str
) -> None:
    """Tell the importing user's pages that the import ended (with the job's commit)."""
    outbox.emit(
        session,
        FINISHED,
        {"import": {"id": import_id, "project_id": project_id, "status": status}},
        workspace_id=None,
        stream=outbox.user_stream(user_id),
    )
