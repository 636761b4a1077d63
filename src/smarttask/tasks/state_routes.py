"""Deleting a workflow state (docs/planning.md, Workflow states): its tasks move with it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import IfMatch, check_if_match
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.tasks import state_removal
from smarttask.workflow import service as workflow
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["workflow states"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.delete(
    "/states/{state_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 404, 503, 403, 409, 412, 413, 415, 422),
)
async def delete_state(
    state_id: Id,
    user: CurrentUser,
    session: SessionDep,
    move_to: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    if_match: IfMatch = None,
) -> Response:
    """Delete a state (admins); `move_to` takes its tasks, which follow its category."""
    state = await workflow.load(session, user, state_id, Role.ADMIN)
    check_if_match(if_match, state.version)
    await state_removal.delete_state(session, user, state, move_to)
    return Response(status_code=204)
