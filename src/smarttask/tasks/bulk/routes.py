"""Bulk edit endpoints (docs/api.md, Bulk edit)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.deps import SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.tasks.bulk import service
from smarttask.tasks.bulk.schemas import BulkDelete, BulkResult, BulkUpdate

router = APIRouter(tags=["tasks"])
_ERRORS = (401, 403, 404, 409, 413, 415, 422, 503)


@router.post("/tasks/bulk", response_model=BulkResult, responses=problems(*_ERRORS))
async def bulk_update(body: BulkUpdate, user: CurrentUser, session: SessionDep) -> BulkResult:
    """Apply one change to 1-100 tasks (members), all or nothing; answers the updated tasks."""
    return BulkResult(items=await service.update(session, user, body.task_ids, body.changes))


@router.post(
    "/tasks/bulk-delete",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS),
)
async def bulk_delete(
    body: BulkDelete, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """Move 1-100 tasks, with their subtasks, to the trash (members), all or nothing."""
    await service.delete(session, user, body.task_ids, settings.trash.retention_days)
    return Response(status_code=204)
