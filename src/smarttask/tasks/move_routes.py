"""Moving a card on the board (docs/planning.md, Ordering and the board)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import etag
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.tasks import ordering, service
from smarttask.tasks.schemas import TaskMove, TaskRead
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["tasks"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/tasks/{task_id}/move",
    response_model=TaskRead,
    responses=problems(401, 403, 404, 409, 413, 415, 422, 503),
)
async def move_task(
    task_id: Id, body: TaskMove, user: CurrentUser, session: SessionDep, response: Response
) -> TaskRead:
    """Place a task between two cards of a column (members); writes only that task."""
    task, key = await service.load(session, user, task_id, Role.MEMBER)
    task = await ordering.move(session, user, task, body)  # within its project: same key
    response.headers["ETag"] = etag(task.version)
    return await service.read_one(session, task, key)
