"""Custom field rules: admins manage a workspace's fields (at most MAX_FIELDS), members and
viewers read them; task values are checked by type and kept in the task's trail, including
the values a removed option or a deleted field takes from tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.db.types import new_id, utcnow
from smarttask.fields import repository, values
from smarttask.fields.models import CustomField
from smarttask.fields.schemas import MAX_FIELDS, FieldCreate, FieldRead, FieldUpdate, OptionIn
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import NotFound, ValidationFailed
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such field."
_WITH_OPTIONS = ("select", "multi_select")


def _invalid(loc: list[Any], message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", *loc], "msg": message, "type": "value_error"}]
    )


def to_read(field: CustomField) -> FieldRead:
    """The body of a field."""
    return FieldRead.model_validate(field)


def _described(field: CustomField) -> dict[str, Any]:
    return {"name": field.name, "type": field.type, "options": field.options}


def _options(kind: str, given: list[OptionIn] | None, known: list[dict[str, Any]]) -> list[Any]:
    """The stored options: known ids kept (renamed, recoloured), new ones given ids."""
    if kind not in _WITH_OPTIONS:
        if given:
            raise _invalid(["options"], "Only select and multi_select fields have options.")
        return []
    known_ids = {option["id"] for option in known}
    options, seen = [], set()
    for index, option in enumerate(given or ()):
        if option.id is not None and option.id not in known_ids:
            raise _invalid(["options", index, "id"], "There is no such option of this field.")
        option_id = option.id or new_id()
        if option_id in seen:
            raise _invalid(["options", index, "id"], "An option is listed twice.")
        seen.add(option_id)
        options.append({"id": option_id, "name": option.name, "color": option.color})
    return options


def _record(
    session: AsyncSession, user: User, field: CustomField, action: Any, changes: dict[str, Any]
) -> None:
    activity.record(
        session,
        workspace_id=field.workspace_id,
        actor_id=user.id,
        action=action,
        entity_type="custom_field",
        entity_id=field.id,
        changes=changes,
    )


async def _clear_with_trails(
    session: AsyncSession, user: User, field: CustomField, option_ids: list[str] | None = None
) -> None:
    """Remove the field's values from every task (only these options' when given), and give
    each task that lost one an entry in its trail, as a task edit records a field's change:
    the values are read once before, and what is left follows from what was removed."""
    held = await repository.held_values(session, field.id, option_ids)
    if option_ids is None:
        await repository.remove_values(session, field.id)
    else:
        await repository.clear_options(session, field.id, option_ids)
    changes = {}
    for task_id, rows in held.items():
        left = [r for r in rows if option_ids is not None and r.value_key not in option_ids]
        old = values.read(field.type, rows)
        new = values.read(field.type, left) if left else None
        if old != new:
            changes[task_id] = {"fields": {"old": {field.id: old}, "new": {field.id: new}}}
    await activity.record_for_tasks(
        session,
        workspace_id=field.workspace_id,
        actor_id=user.id,
        action="updated",
        changes=changes,
    )


async def create(session: AsyncSession, access: WorkspaceAccess, body: FieldCreate) -> CustomField:
    """Add a field to the workspace (admins), within the bound on their number."""
    workspace_id = access.workspace.id
    await repository.lock_workspace(session, workspace_id)
    if await repository.count(session, workspace_id) >= MAX_FIELDS:
        raise _invalid([], f"A workspace has at most {MAX_FIELDS} custom fields.")
    now = utcnow()
    field = CustomField(
        id=new_id(),
        workspace_id=workspace_id,
        name=body.name,
        type=body.type.value,
        options=_options(body.type.value, body.options, []),
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(field)
    await session.flush()
    _record(session, access.user, field, "created", activity.snapshot(_described(field)))
    return field


async def load(session: AsyncSession, user: User, field_id: str, minimum: Role) -> CustomField:
    """A field of one of the caller's workspaces, with at least `minimum`; 404 or 403."""
    field = await repository.get(session, field_id)
    if field is None:
        raise NotFound(MISSING)
    await require_role(session, user, field.workspace_id, minimum, missing=MISSING)
    return field


async def list_fields(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[FieldRead]:
    """The workspace's fields, oldest first."""
    workspace_id = access.workspace.id

    async def fetch(after: tuple[datetime, str] | None, size: int) -> list[CustomField]:
        return await repository.list_for_workspace(session, workspace_id, after=after, limit=size)

    rows = await fetch_page(created_keyset(cursor), limit, fetch, by_creation)
    return rows.read(to_read)


async def all_of(session: AsyncSession, workspace_id: str) -> list[FieldRead]:
    """Every field of a workspace (at most MAX_FIELDS), oldest first: for forms."""
    found = await repository.list_for_workspace(session, workspace_id, after=None, limit=MAX_FIELDS)
    return [to_read(field) for field in found]


async def update(
    session: AsyncSession, user: User, field: CustomField, body: FieldUpdate
) -> CustomField:
    """Rename a field or replace its options; removed options leave every task."""
    before = _described(field)
    await repository.lock(session, field.id)
    if "name" in body.model_fields_set:
        if body.name is None:
            raise _invalid(["name"], "name cannot be null.")
        field.name = body.name
    if "options" in body.model_fields_set:
        options = _options(field.type, body.options or [], field.options)
        kept = {option["id"]: index for index, option in enumerate(options)}
        old = {option["id"]: index for index, option in enumerate(field.options)}
        removed = [i for i in old if i not in kept]
        if removed:
            await _clear_with_trails(session, user, field, removed)
        if field.type == "select":
            moved = {i: index for i, index in kept.items() if i in old and old[i] != index}
            await repository.set_option_positions(session, field.id, moved)
        field.options = options
    changes = activity.diff(before, _described(field))
    if changes:
        field.updated_at = utcnow()
        await session.flush()
        _record(session, user, field, "updated", changes)
    return field


async def delete(session: AsyncSession, user: User, field: CustomField) -> None:
    """Delete a field and every task's value of it."""
    _record(session, user, field, "deleted", activity.removal(_described(field)))
    await repository.lock(session, field.id)
    await _clear_with_trails(session, user, field)
    await repository.remove(session, field.id)
    session.expunge(field)


async def read_values(session: AsyncSession, task_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each task's `fields` ({field id: value}), for a whole page in one query."""
    grouped: dict[str, dict[str, tuple[str, list[Any]]]] = defaultdict(dict)
    for task_id, field_id, kind, row in await repository.values_of(session, task_ids):
        grouped[task_id].setdefault(field_id, (kind, []))[1].append(row)
    return {
        task_id: {field_id: values.read(kind, rows) for field_id, (kind, rows) in found.items()}
        for task_id, found in grouped.items()
    }


@dataclass(frozen=True, slots=True)
class PlannedValues:
    """Checked values of some fields, ready to be written to a task."""

    fields: dict[str, CustomField]
    rows: dict[str, list[dict[str, Any]]]


async def plan_values(
    session: AsyncSession, workspace_id: str, given: dict[str, Any] | None
) -> PlannedValues:
    """Check a partial map of values (null clears one) without writing anything.

    Unknown fields and those of other workspaces, and values that do not fit their type,
    are refused (422): a new task checks its values before it is written.
    """
    if not given:
        return PlannedValues({}, {})
    fields = await repository.in_workspace(session, workspace_id, given)
    for field_id in given:
        if field_id not in fields:
            raise _invalid(["fields", field_id], "There is no such field in this workspace.")
    users = {v for i, v in given.items() if fields[i].type == "user" and isinstance(v, str)}
    members = await repository.members_among(session, workspace_id, users)
    planned = {}
    for field_id, value in given.items():
        try:
            planned[field_id] = values.rows(fields[field_id], value, members)
        except values.BadValue as bad:
            raise _invalid(["fields", field_id], f"{fields[field_id].name} {bad}.") from bad
    return PlannedValues(fields, planned)


async def write_planned(
    session: AsyncSession, task_id: str, plan: PlannedValues
) -> dict[str, dict[str, Any]]:
    """Write checked values to a task; the changes made, {field id: {old, new}}."""
    if not plan.rows:
        return {}
    before = (await read_values(session, [task_id])).get(task_id, {})
    changes = {}
    for field_id, rows in plan.rows.items():
        await repository.replace_values(session, task_id, field_id, rows)
        kind = plan.fields[field_id].type
        new = values.read(kind, values.as_stored(rows)) if rows else None
        if before.get(field_id) != new:
            changes[field_id] = {"old": before.get(field_id), "new": new}
    return changes


async def write_values(
    session: AsyncSession, workspace_id: str, task_id: str, given: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Check, then apply a partial map of values to a task; the changes made (422 before
    anything is written when a value does not fit)."""
    plan = await plan_values(session, workspace_id, given)
    return await write_planned(session, task_id, plan)
