"""Task lists by custom fields: a query's `field.*` parameters resolved against the types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Reader
from smarttask.fields import query as field_query
from smarttask.fields import sql as field_sql
from smarttask.tasks.query import TaskQuery

R = TypeVar("R")
# How a cursor's value of each sort column is read back.
_CURSOR_KINDS = {"value_number": "number", "value_date": "date", "value_bool": "checkbox"}
# Runs a statement with its parameters: the (id, type) rows of the named fields.
Fetch = Callable[[object, dict[str, str]], Awaitable[list[tuple[str, str]]]]


async def resolve(query: TaskQuery, workspace_id: str, fetch: Fetch) -> TaskQuery:
    """The query with its custom field filters and sort (422 on fields not in the workspace)."""
    if not query.needs_fields:
        return query
    sort_id = query.sort.removeprefix(field_query.PREFIX) if query.sort_field is None else None
    sort_id = sort_id if query.sort.startswith(field_query.PREFIX) else None
    ids = sorted(field_query.wanted(query.field_params, sort_id))
    rows = await fetch(field_sql.types_of(len(ids)), field_sql.types_params(workspace_id, ids))
    types = dict(rows)
    resolved = replace(query, fields=field_query.filters(query.field_params, types))
    if sort_id is None:
        return resolved
    column, kind = field_query.sort(sort_id, types.get(sort_id))
    after = query.after
    if after is not None and after[0] is not None:
        after = (field_query.value(_CURSOR_KINDS.get(column, kind), "cursor", after[0]), after[1])
    return replace(
        resolved,
        sort="field",
        sort_field=sort_id,
        sort_column=column,
        after=after,
        sort_nulls=after is not None and after[0] is None,
    )


async def phased(
    query: TaskQuery, size: int, fetch: Callable[[TaskQuery, int], Awaitable[list[R]]]
) -> list[R]:
    """Up to `size` rows of a list; sorted by a custom field, in two phases.

    The tasks with a value come first, through the field's value index; when they do not
    fill the page, the tasks without one follow, by id (tasks/statements.py, `_by_field`).
    `fetch` may answer a row without a task (the fast path's empty page): it is counted.
    """
    if query.sort_column is None:
        return await fetch(query, size)
    rows = await fetch(replace(query, page_size=size), size)
    if query.sort_nulls or len(rows) >= size:
        return rows
    rest = size - len(rows)
    return rows + await fetch(replace(query, sort_nulls=True, after=None, page_size=rest), rest)


def on_reader(reader: Reader) -> Fetch:
    """Look the fields' types up on the request's reader (the fast read path)."""

    async def fetch(statement: Any, params: dict[str, str]) -> list[tuple[str, str]]:
        return [(row["id"], row["type"]) for row in await reader.fetch_all(statement, params)]

    return fetch


def on_session(session: AsyncSession) -> Fetch:
    """Look the fields' types up through the session."""

    async def fetch(statement: Any, params: dict[str, str]) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in await session.execute(statement, params)]

    return fetch
