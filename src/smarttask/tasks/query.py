"""A task list request, parsed and validated: filters, sort and keyset position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from smarttask.fields.query import PREFIX as FIELD_PREFIX
from smarttask.fields.query import FieldFilter
from smarttask.kit.pagination import cursor_timestamp, decode_cursor, encode_cursor
from smarttask.kit.problems import ValidationFailed
from smarttask.tasks.schemas import Priority, RiskLevel, Status

SORTS = ("created_at", "updated_at", "due_at", "priority", "rank")


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """What to list: one project's or one workspace's tasks, filtered and ordered."""

    workspace_id: str
    project_id: str | None
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    assignee_id: str | None = None
    label: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    q: str | None = None
    risks: tuple[str, ...] = ()
    sort: str = "created_at"
    descending: bool = True
    after: tuple[Any, str] | None = None
    # A workspace-wide list leaves out the private projects hidden from this member (None:
    # the caller sees every project, or the list is one project's, checked before).
    private_filter_for: str | None = None
    # One board column: the tasks of one workflow state (the board's reads, sort=rank).
    state_id: str | None = None
    # Custom fields (fields/query.py): the raw `field.*` parameters, and once resolved
    # against the fields' types (tasks/field_lists.py) the filters and the sorted field.
    field_params: tuple[tuple[str, str], ...] = ()
    fields: tuple[FieldFilter, ...] = ()
    sort_field: str | None = None
    sort_column: str | None = None
    # Sorted by a field: the page's second phase, the tasks without a value (by id).
    sort_nulls: bool = False
    # Sorted by a field: the page's LIMIT, written into the statement (not bound), so that
    # PostgreSQL costs its generic plan right and reuses it instead of planning every call.
    page_size: int | None = None

    @property
    def needs_fields(self) -> bool:
        """Whether the fields' types must be looked up before the list runs."""
        return bool(self.field_params) or self.sort.startswith(FIELD_PREFIX)

    # My tasks: the tasks assigned to this user in every workspace they are a member of
    # (and in the projects they see there), instead of one workspace's or project's.
    assigned_to: str | None = None

    @property
    def by_relevance(self) -> bool:
        """Full-text results without an explicit sort come by relevance."""
        return self.sort == "relevance"

    @property
    def cursor_tag(self) -> str:
        """What a cursor is bound to: the same sort, or it is refused."""
        sort = FIELD_PREFIX + self.sort_field if self.sort_field else self.sort
        return ("-" if self.descending else "") + sort


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["query", field], "msg": message, "type": "value_error"}]
    )


def parse_sort(sort: str | None, q: str | None) -> tuple[str, bool]:
    """(field, descending) of a `sort` parameter; relevance when searching without one."""
    if sort is None:
        return ("relevance", True) if q else ("created_at", True)
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    if field not in SORTS and not (field.startswith(FIELD_PREFIX) and len(field) > 6):
        raise _bad(
            "sort",
            f"sort must be one of {', '.join(SORTS)}, or field.<id>, optionally prefixed by '-'",
        )
    return field, descending


def parse_priorities(values: list[Priority] | None) -> tuple[int, ...]:
    """Priority names to stored ranks."""
    return tuple(sorted({p.rank for p in values or []}))


def parse_statuses(values: list[Status] | None) -> tuple[str, ...]:
    """Status names, deduplicated."""
    return tuple(sorted({s.value for s in values or []}))


def parse_risks(values: list[RiskLevel] | None) -> tuple[str, ...]:
    """Risk level names, deduplicated."""
    return tuple(sorted({r.value for r in values or []}))


def decode_position(cursor: str | None, tag: str) -> tuple[Any, str] | None:
    """The (sort value, id) a cursor points after; 422 if it belongs to another sort."""
    if cursor is None:
        return None
    cursor_tag, value, last_id = decode_cursor(cursor, 3)
    if cursor_tag != tag or not isinstance(last_id, str):
        raise _bad("cursor", "This cursor belongs to another sort order; start from page one.")
    if tag.lstrip("-") in ("created_at", "updated_at", "due_at") and value is not None:
        try:
            value = cursor_timestamp(value)
        except ValueError as error:
            raise _bad("cursor", "The cursor is not valid.") from error
    return value, last_id


def encode_position(tag: str, value: Any, row_id: str) -> str:
    """A cursor pointing after the row with this sort value and id."""
    if isinstance(value, date):  # a datetime, or a date field's value
        value = value.isoformat()
    return encode_cursor([tag, value, row_id])
