"""Saved view rules: who sees and changes a view, its filters checked as the lists check them,
and running it as a task list page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import Forbidden, NotFound, ValidationFailed
from smarttask.projects import service as projects
from smarttask.tasks import service as tasks
from smarttask.tasks.mine import ME
from smarttask.tasks.query import TaskQuery
from smarttask.tasks.schemas import TaskRead
from smarttask.views import params, repository
from smarttask.views.models import SavedView
from smarttask.views.schemas import ViewCreate, ViewRead, ViewUpdate
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such view."
ENTITY = "saved_view"
_FIELDS = ("name", "filters", "sort", "layout", "shared")
_FILTERS_LOC = ("body", "filters")


def to_read(view: SavedView) -> ViewRead:
    """The body of a view."""
    return ViewRead.model_validate(view)


def _values(view: SavedView) -> dict[str, Any]:
    return {field: getattr(view, field) for field in _FIELDS}


def _moved(error: ValidationFailed, old: str, new: Sequence[str]) -> ValidationFailed:
    """The same 422 with its errors' `old` location (such as `query`) moved under `new`."""
    errors = [
        {**e, "loc": [*new, *list(e["loc"])[1:]] if list(e["loc"])[:1] == [old] else e["loc"]}
        for e in error.errors or ()
    ]
    return ValidationFailed(error.detail, errors=errors)


async def _query(
    session: AsyncSession,
    access: WorkspaceAccess,
    filters: Mapping[str, Any],
    sort: str | None,
    cursor: str | None,
    loc: Sequence[str],
) -> TaskQuery:
    """The task list query of these stored parameters, run by the caller; 422 if invalid.

    `"assignee_id": "me"` is the caller; `project_id` narrows the workspace's list to one
    project the caller sees (404 when they do not).
    """
    params.check_names(filters, loc)
    values = dict(filters)
    if values.get("assignee_id") == ME:
        values["assignee_id"] = access.user.id
    project_id = values.pop(params.PROJECT, None)
    if sort is not None:
        values["sort"] = sort
    parsed = await params.parse(values, loc)
    try:
        query = parsed.query(access.workspace.id, project_id, cursor)
    except ValidationFailed as error:  # the sort: a field of the view, not a filter
        if cursor is not None:
            raise
        raise _moved(error, "query", (*loc[:-1], "sort")) from error
    if project_id is None:
        return replace(query, private_filter_for=access.private_filter_for)
    project = await projects.load(session, access.user, project_id, Role.VIEWER)
    if project.workspace_id != access.workspace.id:
        raise NotFound(projects.MISSING)
    return query


async def _checked(
    session: AsyncSession, access: WorkspaceAccess, filters: Mapping[str, Any], sort: str | None
) -> None:
    """422 unless the filters and sort make a valid list of this workspace for the caller."""
    project_id = filters.get(params.PROJECT)
    if project_id is not None and not isinstance(project_id, str):
        message = "project_id takes one project id."
        raise ValidationFailed(
            message,
            errors=[{"loc": [*_FILTERS_LOC, "project_id"], "msg": message, "type": "value_error"}],
        )
    try:
        await _query(session, access, filters, sort, None, _FILTERS_LOC)
    except NotFound as missing:
        message = "There is no such project in this workspace."
        raise ValidationFailed(
            message,
            errors=[{"loc": [*_FILTERS_LOC, "project_id"], "msg": message, "type": "value_error"}],
        ) from missing


# What the workspace's trail shows of a personal view's values: every member reads the trail,
# and a personal view is its owner's alone (which fields changed stays visible).
HIDDEN = "(personal view)"


def _trail(
    changes: dict[str, dict[str, Any]], old_personal: bool, new_personal: bool
) -> dict[str, dict[str, Any]]:
    """The changes as the trail keeps them: a personal view's values hidden."""
    return {
        field: {
            "old": HIDDEN if old_personal and field != "shared" else change["old"],
            "new": HIDDEN if new_personal and field != "shared" else change["new"],
        }
        for field, change in changes.items()
    }


def _may_share(access: WorkspaceAccess) -> None:
    if not access.role.at_least(Role.MEMBER):
        raise Forbidden("Sharing a view needs the member role or higher in this workspace.")


async def create(session: AsyncSession, access: WorkspaceAccess, body: ViewCreate) -> SavedView:
    """Save a view in the workspace: personal for anyone, shared from members up."""
    if body.shared:
        _may_share(access)
    await _checked(session, access, body.filters, body.sort)
    now = utcnow()
    view = SavedView(
        id=new_id(),
        workspace_id=access.workspace.id,
        owner_id=access.user.id,
        name=body.name,
        filters=dict(body.filters),
        sort=body.sort,
        layout=body.layout.value,
        shared=body.shared,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(view)
    await session.flush()
    activity.record(
        session,
        workspace_id=view.workspace_id,
        actor_id=access.user.id,
        action="created",
        entity_type=ENTITY,
        entity_id=view.id,
        changes=_trail(activity.snapshot(_values(view)), False, not view.shared),
    )
    return view


async def load(
    session: AsyncSession, user: User, view_id: str
) -> tuple[SavedView, WorkspaceAccess]:
    """A view the caller sees, with their access: 404 outside their workspaces and for
    another member's personal view."""
    view = await repository.get(session, view_id)
    if view is None:
        raise NotFound(MISSING)
    access = await require_role(session, user, view.workspace_id, Role.VIEWER, missing=MISSING)
    if not view.shared and view.owner_id != user.id:
        raise NotFound(MISSING)
    return view, access


def check_may_change(view: SavedView, access: WorkspaceAccess) -> None:
    """403 unless the caller owns the view, or it is shared and they are an admin or owner."""
    if view.owner_id == access.user.id:
        return
    if not access.role.at_least(Role.ADMIN):
        raise Forbidden("Only its owner, or an admin for a shared view, may change this view.")


async def list_views(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[ViewRead]:
    """The caller's own views of the workspace and the shared ones, oldest first."""
    workspace_id, user_id = access.workspace.id, access.user.id

    async def fetch(after: tuple[datetime, str] | None, size: int) -> list[SavedView]:
        return await repository.list_visible(
            session, workspace_id, user_id, after=after, limit=size
        )

    rows = await fetch_page(created_keyset(cursor), limit, fetch, by_creation)
    return rows.read(to_read)


async def update(
    session: AsyncSession, access: WorkspaceAccess, view: SavedView, body: ViewUpdate
) -> SavedView:
    """Change a view (its owner, or an admin for a shared one)."""
    check_may_change(view, access)
    sent = body.model_fields_set
    if body.shared and not view.shared:
        _may_share(access)
    filters = body.filters if "filters" in sent and body.filters is not None else view.filters
    sort = body.sort if "sort" in sent else view.sort
    if "filters" in sent or "sort" in sent:
        await _checked(session, access, filters, sort)
    before, was_personal = _values(view), not view.shared
    if "filters" in sent and body.filters is not None:
        view.filters = dict(body.filters)
    if "sort" in sent:
        view.sort = body.sort
    if body.name is not None:
        view.name = body.name
    if body.layout is not None:
        view.layout = body.layout.value
    if body.shared is not None:
        view.shared = body.shared
    changes = activity.diff(before, _values(view))
    if changes:
        view.updated_at = utcnow()
        await session.flush()
        activity.record(
            session,
            workspace_id=view.workspace_id,
            actor_id=access.user.id,
            action="updated",
            entity_type=ENTITY,
            entity_id=view.id,
            changes=_trail(changes, was_personal, not view.shared),
        )
    return view


async def delete(session: AsyncSession, access: WorkspaceAccess, view: SavedView) -> None:
    """Delete a view (its owner, or an admin for a shared one)."""
    check_may_change(view, access)
    activity.record(
        session,
        workspace_id=view.workspace_id,
        actor_id=access.user.id,
        action="deleted",
        entity_type=ENTITY,
        entity_id=view.id,
        changes=_trail(activity.removal(_values(view)), not view.shared, False),
    )
    await repository.remove(session, view.id)
    session.expunge(view)


async def query_of(
    session: AsyncSession, access: WorkspaceAccess, view: SavedView, cursor: str | None
) -> TaskQuery:
    """The task list query the view makes for the caller (`me` is them)."""
    return await _query(session, access, view.filters, view.sort, cursor, ("view", "filters"))


async def run(
    session: AsyncSession, access: WorkspaceAccess, view: SavedView, cursor: str | None, limit: int
) -> Page[TaskRead]:
    """One page of the view's tasks, as the task list answers it."""
    return await tasks.list_page(session, await query_of(session, access, view, cursor), limit)
