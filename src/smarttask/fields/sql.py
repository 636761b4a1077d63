"""The SQL of custom fields in task lists: filters, the sort join and the body's values.

Statements are built once per shape (tasks/statements.py): a field's id and values are
bound by name (`field_0`, `field_0_0`, ..., `sort_field`), never inlined.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ClauseList,
    ColumnElement,
    Date,
    Float,
    String,
    and_,
    bindparam,
    exists,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, NullType

from smarttask.fields.models import CustomField, TaskFieldValue
from smarttask.fields.query import FieldFilter

_TYPES: dict[str, Any] = {
    "value_key": String(),
    "value_number": Float(),
    "value_date": Date(),
    "value_bool": Boolean(),
}
# The value row a list is sorted by (at most one per task: multi_select does not sort).
SORTED = aliased(TaskFieldValue, name="sort_value_row")


class JsonRow(ColumnElement[Any]):
    """Some columns as the text of one JSON array (`json_array` / `json_build_array`)."""

    inherit_cache = True
    type = NullType()
    _traverse_internals = [("clauses", InternalTraversal.dp_clauseelement)]

    def __init__(self, *columns: Any) -> None:
        self.clauses = ClauseList(*columns)


@compiles(JsonRow)
def _json_array(element: JsonRow, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(JsonRow, "postgresql")
def _json_build_array(element: JsonRow, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(json_build_array({compiler.process(element.clauses, **kw)}) AS TEXT)"


def values_select(task_id: Any) -> Any:
    """One JSON row per value of a task (`item`), in the fields' order: for OrderedList."""
    value = TaskFieldValue
    return (
        select(
            JsonRow(
                value.field_id,
                CustomField.type,
                value.value_key,
                value.value_text,
                value.value_number,
                value.value_date,
                value.value_bool,
            ).label("item")
        )
        .join_from(value, CustomField, CustomField.id == value.field_id)
        .where(value.task_id == task_id)
        .order_by(CustomField.created_at, value.field_id, value.item)
    )


def _bind(name: str, column: str) -> Any:
    return bindparam(name, type_=_TYPES[column])


def condition(index: int, found: FieldFilter, task_id: Any) -> ColumnElement[bool]:
    """The filter `index` of a list: the task has a value of the field that matches."""
    column = getattr(TaskFieldValue, found.column)
    name = f"field_{index}"
    where: list[Any] = [
        TaskFieldValue.task_id == task_id,
        TaskFieldValue.field_id == bindparam(name, type_=String()),
    ]
    if found.values:
        where.append(
            column.in_([_bind(f"{name}_{i}", found.column) for i in range(len(found.values))])
        )
    if found.gte is not None:
        where.append(column >= _bind(f"{name}_gte", found.column))
    if found.lte is not None:
        where.append(column <= _bind(f"{name}_lte", found.column))
    return exists().where(and_(*where))


def params(filters: tuple[FieldFilter, ...]) -> dict[str, Any]:
    """The values bound to the filters' conditions."""
    bound: dict[str, Any] = {}
    for index, found in enumerate(filters):
        name = f"field_{index}"
        bound[name] = found.field_id
        bound.update((f"{name}_{i}", value) for i, value in enumerate(found.values))
        if found.gte is not None:
            bound[f"{name}_gte"] = found.gte
        if found.lte is not None:
            bound[f"{name}_lte"] = found.lte
    return bound


def sort_join(task_id: Any) -> ColumnElement[bool]:
    """The join condition of the sorted field's value row (`:sort_field`)."""
    return and_(
        SORTED.task_id == task_id, SORTED.field_id == bindparam("sort_field", type_=String())
    )


def has_sort_value(task_id: Any) -> ColumnElement[bool]:
    """Whether the task has a value of the sorted field (`:sort_field`)."""
    return exists().where(
        TaskFieldValue.task_id == task_id,
        TaskFieldValue.field_id == bindparam("sort_field", type_=String()),
    )


def sort_column(column: str) -> Any:
    """The sorted value of the joined value row."""
    return getattr(SORTED, column)


@lru_cache(maxsize=16)
def types_of(count: int) -> Any:
    """(id, type) of `count` fields (`:field_id_0`...) of the workspace `:workspace_id`."""
    ids = [bindparam(f"field_id_{i}", type_=String()) for i in range(count)]
    return select(CustomField.id, CustomField.type).where(
        CustomField.workspace_id == bindparam("workspace_id", type_=String()),
        CustomField.id.in_(ids),
    )


def types_params(workspace_id: str, ids: list[str]) -> dict[str, str]:
    """The values bound to `types_of(len(ids))`."""
    return {"workspace_id": workspace_id, **{f"field_id_{i}": v for i, v in enumerate(ids)}}
