"""Analysis endpoints (docs/api.md, AI analysis)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.analysis import service
from smarttask.analysis.schemas import AnalysisRead
from smarttask.kit.deps import SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.tasks import service as tasks
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["analysis"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)


@router.post(
    "/tasks/{task_id}/analysis",
    status_code=202,
    response_model=AnalysisRead,
    responses={
        200: {"model": AnalysisRead, "description": "An identical analysis already exists"},
        **problems(*_ERRORS, 403, 409, 422, 429),
    },
)
async def request_analysis(
    task_id: Id, user: CurrentUser, session: SessionDep, settings: SettingsDep, response: Response
) -> AnalysisRead:
    """Request an AI analysis (members): 202 when queued, 200 from the cache."""
    task, _ = await tasks.load(session, user, task_id, Role.MEMBER)
    requested = await service.request(
        session, user, task, settings.ai, max_attempts=settings.jobs.max_attempts
    )
    response.status_code = 202 if requested.queued else 200
    response.headers["Location"] = f"/api/v1/tasks/{task.id}/analysis"
    return service.to_read(requested.analysis)


@router.get("/tasks/{task_id}/analysis", response_model=AnalysisRead, responses=problems(*_ERRORS))
async def read_analysis(task_id: Id, user: CurrentUser, session: SessionDep) -> AnalysisRead:
    """The task's latest analysis (viewers); 404 if none was requested."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    return service.to_read(await service.latest(session, task))
