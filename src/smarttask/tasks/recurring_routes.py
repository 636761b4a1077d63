"""Recurring task endpoints (docs/api.md, Recurring tasks; docs/planning.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.db.types import utcnow
from smarttask.kit.etag import etag
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.tasks import recurring, service
from smarttask.tasks.schemas import TaskRead, TaskUpdate
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["tasks"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/tasks/{task_id}/recurrence/skip",
    response_model=TaskRead,
    responses=problems(401, 403, 404, 409, 422, 503),
)
async def skip_occurrence(
    task_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> TaskRead:
    """Move a recurring task's due date to its next occurrence, without completing it."""
    task, key = await service.load(session, user, task_id, Role.MEMBER)
    due = await recurring.next_skipped_due(session, task, utcnow())
    task = await service.update(session, user, task, TaskUpdate(due_at=due))
    response.headers["ETag"] = etag(task.version)
    return await service.read_one(session, task, key)
