"""Custom field filters and sorts of a task list, from query parameters and field types."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from smarttask.fields.models import FILTER_COLUMN, KEY_LENGTH, SORT_COLUMN
from smarttask.kit.problems import ValidationFailed

PREFIX = "field."
MAX_FILTERS = 5
MAX_VALUES = 20
_RANGES = ("gte", "lte")


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """Tasks with a value of one field: one of `values`, within [gte, lte]."""

    field_id: str
    column: str
    values: tuple[Any, ...] = ()
    gte: Any = None
    lte: Any = None

    @property
    def shape(self) -> tuple[Any, ...]:
        """What decides the SQL of this filter."""
        return (self.column, len(self.values), self.gte is not None, self.lte is not None)


def bad(name: str, message: str) -> ValidationFailed:
    """A 422 on one query parameter."""
    return ValidationFailed(
        message, errors=[{"loc": ["query", name], "msg": message, "type": "value_error"}]
    )


def split(name: str) -> tuple[str, str | None]:
    """(field id, "gte"/"lte"/None) of a `field.<id>[.gte|.lte]` parameter name."""
    rest = name.removeprefix(PREFIX)
    field_id, _, bound = rest.partition(".")
    if not field_id or (bound and bound not in _RANGES):
        raise bad(name, "Use field.<id>, field.<id>.gte or field.<id>.lte.")
    return field_id, bound or None


def wanted(params: tuple[tuple[str, str], ...], sort_field: str | None) -> set[str]:
    """The field ids a list's parameters name."""
    ids = {split(name)[0] for name, _ in params}
    if len(ids) > MAX_FILTERS:
        raise bad(PREFIX, f"A list filters by at most {MAX_FILTERS} custom fields.")
    return ids | ({sort_field} if sort_field else set())


def value(kind: str, name: str, raw: Any) -> Any:
    """A filter's (or a cursor's) value of a field type, as stored."""
    try:
        if kind == "number":
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError(raw)
            return number
        if kind == "date":
            return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        if kind == "checkbox":
            if isinstance(raw, bool | int):
                return bool(raw)
            return {"true": True, "false": False}[str(raw)]
    except (ValueError, KeyError) as error:
        raise bad(name, f"This value does not fit a {kind} field.") from error
    return str(raw)[:KEY_LENGTH]


def filters(params: tuple[tuple[str, str], ...], types: dict[str, str]) -> tuple[FieldFilter, ...]:
    """The filters of the parameters, given the named fields' types; 422 on unknown ids."""
    found: dict[str, dict[str, Any]] = {}
    for name, raw in params:
        field_id, bound = split(name)
        kind = types.get(field_id)
        if kind is None:
            raise bad(name, "There is no such field in this workspace.")
        entry = found.setdefault(field_id, {"values": [], "gte": None, "lte": None})
        if bound is None:
            entry["values"].append(value(kind, name, raw))
            if len(entry["values"]) > MAX_VALUES:
                raise bad(name, f"At most {MAX_VALUES} values per field.")
        elif kind in ("number", "date"):
            entry[bound] = value(kind, name, raw)
        else:
            raise bad(name, "Only number and date fields filter by a range.")
    return tuple(
        FieldFilter(
            field_id,
            FILTER_COLUMN[types[field_id]],
            tuple(dict.fromkeys(entry["values"])),
            entry["gte"],
            entry["lte"],
        )
        for field_id, entry in sorted(found.items())
    )


def sort(field_id: str, kind: str | None) -> tuple[str, str]:
    """(value column, type) a list sorted by this field orders by; 422 if it cannot sort."""
    if kind is None:
        raise bad("sort", "There is no such field in this workspace.")
    if kind not in SORT_COLUMN:
        raise bad("sort", "A multi_select field does not sort.")
    return SORT_COLUMN[kind], kind
