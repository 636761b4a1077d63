"""Workflow state endpoints (docs/planning.md, Workflow states): thin routes over the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.workflow import service
from smarttask.workflow.schemas import StateCreate, StateRead, StateUpdate
from smarttask.workspaces.roles import Role

router = APIRouter(tags=["workflow states"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 404, 503)
_WRITE_ERRORS = (*_ERRORS, 403, 409, 412, 413, 415, 422)


@router.get(
    "/projects/{project_id}/states",
    response_model=Page[StateRead],
    responses=problems(*_ERRORS, 422),
)
async def list_states(
    project_id: Id, user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[StateRead]:
    """A project's workflow states in board order (viewers)."""
    return await service.list_states(session, user, project_id, cursor, limit)


@router.post(
    "/projects/{project_id}/states",
    status_code=201,
    response_model=StateRead,
    responses=problems(*_WRITE_ERRORS),
)
async def create_state(
    project_id: Id, body: StateCreate, user: CurrentUser, session: SessionDep, response: Response
) -> StateRead:
    """Add a state to the project (admins); last unless a position is given."""
    state = await service.create(session, user, project_id, body)
    response.headers["ETag"] = etag(state.version)
    response.headers["Location"] = f"/api/v1/states/{state.id}"
    return StateRead.model_validate(state)


@router.get("/states/{state_id}", response_model=StateRead, responses=problems(*_ERRORS))
async def read_state(
    state_id: Id, user: CurrentUser, session: SessionDep, response: Response
) -> StateRead:
    """One workflow state (viewers)."""
    state = await service.load(session, user, state_id, Role.VIEWER)
    response.headers["ETag"] = etag(state.version)
    return StateRead.model_validate(state)


@router.patch("/states/{state_id}", response_model=StateRead, responses=problems(*_WRITE_ERRORS))
async def update_state(
    state_id: Id,
    body: StateUpdate,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> StateRead:
    """Rename, recolour or reorder a state (admins)."""
    state = await service.load(session, user, state_id, Role.ADMIN)
    check_if_match(if_match, state.version)
    state = await service.update(session, user, state, body)
    response.headers["ETag"] = etag(state.version)
    return StateRead.model_validate(state)
