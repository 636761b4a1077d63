"""Workflow state rules: who manages them, unique names, positions, safe deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, decode_cursor, encode_cursor, fetch_page
from smarttask.kit.problems import Conflict, NotFound, ValidationFailed
from smarttask.workflow import repository
from smarttask.workflow.models import WorkflowState
from smarttask.workflow.schemas import DEFAULT_STATES, StateCreate, StateRead, StateUpdate
from smarttask.workspaces.access import require_project_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such workflow state."
MISSING_PROJECT = "There is no such project."
_FIELDS = ("name", "category", "color", "position")


def _invalid(loc: list[str], message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"loc": loc, "msg": message, "type": "value_error"}])


def _values(state: WorkflowState) -> dict[str, Any]:
    return {field: getattr(state, field) for field in _FIELDS}


def _new(
    workspace_id: str, project_id: str, name: str, category: str, color: str, now: datetime
) -> WorkflowState:
    return WorkflowState(
        id=new_id(),
        workspace_id=workspace_id,
        project_id=project_id,
        name=name,
        name_key=name.casefold(),
        category=category,
        color=color,
        position=0,
        created_at=now,
        updated_at=now,
        version=1,
    )


async def create_defaults(
    session: AsyncSession, workspace_id: str, project_id: str, now: datetime
) -> list[WorkflowState]:
    """A new project's states: one per category, in the board's order."""
    states = []
    for position, (name, category, color) in enumerate(DEFAULT_STATES):
        state = _new(workspace_id, project_id, name, category.value, color, now)
        state.position = position
        states.append(state)
    session.add_all(states)
    await session.flush()
    return states


async def _project_access(session: AsyncSession, user: User, project_id: str, minimum: Role) -> str:
    """The project's workspace once the caller's role there is checked (404, 403)."""
    workspace_id = await repository.project_workspace(session, project_id)
    if workspace_id is None:
        raise NotFound(MISSING_PROJECT)
    await require_project_role(
        session, user, workspace_id, project_id, minimum, missing=MISSING_PROJECT
    )
    return workspace_id


def _position(cursor: str | None) -> tuple[int, str] | None:
    if cursor is None:
        return None
    position, state_id = decode_cursor(cursor, 2)
    if not isinstance(position, int) or not isinstance(state_id, str):
        raise _invalid(["query", "cursor"], "The cursor is not valid.")
    return position, state_id


async def list_states(
    session: AsyncSession, user: User, project_id: str, cursor: str | None, limit: int
) -> Page[StateRead]:
    """A project's states in board order, one keyset page (viewers)."""
    await _project_access(session, user, project_id, Role.VIEWER)
    rows = await fetch_page(
        _position(cursor),
        limit,
        lambda after, size: repository.page(session, project_id, after, size),
        lambda state: encode_cursor([state.position, state.id]),
    )
    return rows.read(StateRead.model_validate)


async def board_states(session: AsyncSession, project_id: str) -> list[WorkflowState]:
    """Every state of a project whose access the caller already checked, in board order."""
    return await repository.of_project(session, project_id)


async def load(session: AsyncSession, user: User, state_id: str, minimum: Role) -> WorkflowState:
    """A state the caller may act on with at least `minimum`; 404 or 403 otherwise."""
    state = await repository.get(session, state_id)
    if state is None:
        raise NotFound(MISSING)
    await require_project_role(
        session, user, state.workspace_id, state.project_id, minimum, missing=MISSING
    )
    return state


def _place(states: list[WorkflowState], state: WorkflowState, position: int | None) -> None:
    """Put `state` at `position` (last when None or beyond) and renumber the others 0..n-1."""
    others = [s for s in states if s.id != state.id]
    index = len(others) if position is None else min(position, len(others))
    others.insert(index, state)
    for number, each in enumerate(others):
        if each.position != number:
            each.position = number


def _record(
    user: User, session: AsyncSession, state: WorkflowState, action: Any, changes: Any
) -> None:
    activity.record(
        session,
        workspace_id=state.workspace_id,
        project_id=state.project_id,
        actor_id=user.id,
        action=action,
        entity_type="workflow_state",
        entity_id=state.id,
        changes=changes,
    )


async def create(
    session: AsyncSession, user: User, project_id: str, body: StateCreate
) -> WorkflowState:
    """A new state of the project (admins); 409 when its name is taken there."""
    workspace_id = await _project_access(session, user, project_id, Role.ADMIN)
    await repository.lock_project(session, project_id)
    if await repository.name_taken(session, project_id, body.name.casefold()):
        raise Conflict(f"The project already has a state named {body.name}.")
    states = await repository.of_project(session, project_id)
    state = _new(workspace_id, project_id, body.name, body.category.value, body.color, utcnow())
    _place(states, state, body.position)
    session.add(state)
    await session.flush()
    _record(user, session, state, "created", activity.snapshot(_values(state)))
    return state


async def update(
    session: AsyncSession, user: User, state: WorkflowState, body: StateUpdate
) -> WorkflowState:
    """Rename, recolour or move a state (admins); the version check refuses stale writers."""
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise _invalid(["body", field], f"{field} cannot be null.")
    await repository.lock_project(session, state.project_id)
    before = _values(state)
    if "name" in changes:
        if await repository.name_taken(
            session, state.project_id, changes["name"].casefold(), except_id=state.id
        ):
            raise Conflict(f"The project already has a state named {changes['name']}.")
        state.name, state.name_key = changes["name"], changes["name"].casefold()
    if "color" in changes:
        state.color = changes["color"]
    if "position" in changes:
        states = await repository.of_project(session, state.project_id)
        _place(states, state, changes["position"])
    changed = activity.diff(before, _values(state))
    if changed:
        state.updated_at = utcnow()
        await session.flush()
        _record(user, session, state, "updated", changed)
    return state


@dataclass(frozen=True, slots=True)
class Removal:
    """A state allowed to go (its project locked), its project's states, and where its tasks
    go (None: no task is in it)."""

    state: WorkflowState
    states: list[WorkflowState]
    target: WorkflowState | None


async def check_removal(
    session: AsyncSession, state: WorkflowState, move_to: str | None
) -> Removal:
    """Check that a state may go, locking its project.

    The last state of a category cannot go (409): every status keeps a column. A state that
    tasks are in needs `move_to`, another state of its project (422).
    """
    await repository.lock_project(session, state.project_id)
    states = await repository.of_project(session, state.project_id)
    if not any(s.category == state.category and s.id != state.id for s in states):
        raise Conflict(f"The last state of the category {state.category} cannot be deleted.")
    if not await repository.count_tasks(session, state.id):
        return Removal(state, states, None)
    if move_to is None:
        raise _invalid(["query", "move_to"], "Tasks use this state: say where they go.")
    target = next((s for s in states if s.id == move_to), None)
    if target is None or target.id == state.id:
        raise _invalid(["query", "move_to"], "move_to must be another state of the project.")
    return Removal(state, states, target)


async def remove(session: AsyncSession, user: User, removal: Removal, moved: int = 0) -> None:
    """Delete a state that `check_removal` allowed; the tasks still in it go to its target.

    Tasks moved to another category must have gone already, each by the tasks' own rules
    (`moved` of them): those left (a repeating task's next occurrence, say) keep their
    status in the first other state of their category.
    """
    state, states, rest = removal.state, removal.states, removal.target
    if rest is None or rest.category != state.category:
        rest = next(s for s in states if s.category == state.category and s.id != state.id)
    moved += await repository.move_tasks(session, state.id, rest.id)
    _record(
        user,
        session,
        state,
        "deleted",
        {**activity.removal(_values(state)), "moved_tasks": {"old": moved, "new": None}},
    )
    await repository.delete(session, state)
    for number, each in enumerate(s for s in states if s.id != state.id):
        if each.position != number:
            each.position = number
    await session.flush()
