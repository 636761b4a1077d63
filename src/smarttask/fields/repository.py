"""All SQL of custom fields and task field values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.dialect import upsert
from smarttask.fields.models import CustomField, TaskFieldValue
from smarttask.workspaces.models import Membership


async def get(session: AsyncSession, field_id: str) -> CustomField | None:
    """A field by id."""
    return await session.get(CustomField, field_id)


async def in_workspace(
    session: AsyncSession, workspace_id: str, field_ids: Iterable[str]
) -> dict[str, CustomField]:
    """The workspace's fields among these ids, by id (others are not there), share-locked."""
    ids = list(set(field_ids))
    if not ids:
        return {}
    # Shared locks (PostgreSQL): a field deleted meanwhile is waited for, then missing (422).
    statement = (
        select(CustomField)
        .where(CustomField.workspace_id == workspace_id, CustomField.id.in_(ids))
        .with_for_update(read=True)
    )
    return {field.id: field for field in (await session.scalars(statement)).all()}


async def list_for_workspace(
    session: AsyncSession, workspace_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[CustomField]:
    """A workspace's fields, oldest first, after a keyset position."""
    statement = (
        select(CustomField)
        .where(CustomField.workspace_id == workspace_id)
        .order_by(CustomField.created_at, CustomField.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(CustomField.created_at, CustomField.id) > tuple_(*after))
    return list((await session.scalars(statement)).all())


async def count(session: AsyncSession, workspace_id: str) -> int:
    """How many fields the workspace has."""
    statement = select(func.count()).where(CustomField.workspace_id == workspace_id)
    return int((await session.execute(statement)).scalar_one())


async def lock_workspace(session: AsyncSession, workspace_id: str) -> None:
    """Serialise field creation within a workspace (the bound on their number)."""
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT id FROM workspace WHERE id = :id FOR UPDATE"), {"id": workspace_id}
        )


async def values_of(
    session: AsyncSession, task_ids: list[str]
) -> list[tuple[str, str, str, TaskFieldValue]]:
    """(task id, field id, field type, value row) of these tasks' values, in one query."""
    if not task_ids:
        return []
    statement = (
        select(TaskFieldValue.task_id, CustomField.id, CustomField.type, TaskFieldValue)
        .join(CustomField, CustomField.id == TaskFieldValue.field_id)
        .where(TaskFieldValue.task_id.in_(task_ids))
        .order_by(TaskFieldValue.task_id, CustomField.created_at, TaskFieldValue.item)
    )
    return [(row[0], row[1], row[2], row[3]) for row in await session.execute(statement)]


async def replace_values(
    session: AsyncSession, task_id: str, field_id: str, rows: list[dict[str, Any]]
) -> None:
    """Replace a task's values of one field (no rows: the field is cleared)."""
    await session.execute(
        delete(TaskFieldValue).where(
            TaskFieldValue.task_id == task_id, TaskFieldValue.field_id == field_id
        )
    )
    if rows:
        # A concurrent writer of the same task may insert the same rows first (PostgreSQL):
        # skipped here, the task's version check then refuses the later writer with 409.
        await session.execute(
            upsert(session, TaskFieldValue).on_conflict_do_nothing(),
            [{"task_id": task_id, "field_id": field_id, **row} for row in rows],
        )


async def lock(session: AsyncSession, field_id: str) -> None:
    """Lock a field before its values change (PostgreSQL): task writers share-lock it first,
    so both take the field before the values and never wait on each other in a cycle."""
    await session.execute(
        select(CustomField.id).where(CustomField.id == field_id).with_for_update()
    )


async def clear_options(session: AsyncSession, field_id: str, option_ids: list[str]) -> None:
    """Remove removed options from every task that had them."""
    if option_ids:
        await session.execute(
            delete(TaskFieldValue).where(
                TaskFieldValue.field_id == field_id, TaskFieldValue.value_key.in_(option_ids)
            )
        )


async def held_values(
    session: AsyncSession, field_id: str, option_ids: list[str] | None = None
) -> dict[str, list[Any]]:
    """Each task's value rows of the field (by item), for every task holding a value of it,
    or one of these options: one statement, whatever the number of tasks."""
    holders = select(TaskFieldValue.task_id).where(TaskFieldValue.field_id == field_id)
    if option_ids is not None:
        holders = holders.where(TaskFieldValue.value_key.in_(option_ids))
    columns = [
        TaskFieldValue.task_id,
        TaskFieldValue.value_key,
        TaskFieldValue.value_text,
        TaskFieldValue.value_number,
        TaskFieldValue.value_date,
        TaskFieldValue.value_bool,
    ]
    statement = (
        select(*columns)
        .where(TaskFieldValue.field_id == field_id, TaskFieldValue.task_id.in_(holders))
        .order_by(TaskFieldValue.task_id, TaskFieldValue.item)
    )
    found: dict[str, list[Any]] = {}
    for row in await session.execute(statement):
        found.setdefault(row.task_id, []).append(row)
    return found


async def set_option_positions(
    session: AsyncSession, field_id: str, positions: dict[str, int]
) -> None:
    """Keep a select field's sort values (its options' positions) in step with the options."""
    for option_id, position in positions.items():
        await session.execute(
            update(TaskFieldValue)
            .where(TaskFieldValue.field_id == field_id, TaskFieldValue.value_key == option_id)
            .values(value_number=float(position))
        )


async def remove_values(session: AsyncSession, field_id: str) -> None:
    """Remove a field's value from every task."""
    await session.execute(delete(TaskFieldValue).where(TaskFieldValue.field_id == field_id))


async def remove(session: AsyncSession, field_id: str) -> None:
    """Delete a field, its values first (as the cascade would; explicitly for SQLite)."""
    await remove_values(session, field_id)
    await session.execute(delete(CustomField).where(CustomField.id == field_id))


async def members_among(session: AsyncSession, workspace_id: str, user_ids: set[str]) -> set[str]:
    """Which of these users are members of the workspace (one query)."""
    if not user_ids:
        return set()
    statement = select(Membership.user_id).where(
        Membership.workspace_id == workspace_id, Membership.user_id.in_(sorted(user_ids))
    )
    return set((await session.scalars(statement)).all())
