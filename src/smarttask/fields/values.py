"""A custom field value: checked by its field's type, stored as typed rows, read back."""

from __future__ import annotations

import math
from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import orjson

from smarttask.fields.models import KEY_LENGTH, CustomField, TaskFieldValue

MAX_TEXT = 2000
_EMPTY = dict.fromkeys(("value_key", "value_text", "value_number", "value_date", "value_bool"))
MAX_ITEMS = 100  # values of a multi_select in one write


class BadValue(ValueError):
    """A value that does not fit its field's type."""


def _option_ids(field: CustomField) -> dict[str, int]:
    return {option["id"]: position for position, option in enumerate(field.options)}


def _text(value: Any, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise BadValue("must be a string")
    if len(value) > limit:
        raise BadValue(f"must be at most {limit} characters")
    return value


def _url(value: Any) -> str:
    url = _text(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadValue("must be an http:// or https:// URL")
    return url


def _date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise BadValue("must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise BadValue("must be a date, YYYY-MM-DD") from error


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise BadValue("must be a finite number")
    return number


def _option(field: CustomField, value: Any) -> str:
    if not isinstance(value, str) or value not in _option_ids(field):
        raise BadValue("must be the id of one of the field's options")
    return value


def rows(field: CustomField, value: Any, members: set[str]) -> list[dict[str, Any]]:
    """The stored rows of a value (none for null); BadValue when it does not fit the type.

    `members`: the user ids a `user` field may hold (the workspace's members asked about).
    """
    if value is None:
        return []
    kind = field.type
    row: dict[str, Any] = {"item": "", "workspace_id": field.workspace_id}
    if kind in ("text", "url"):
        text = _text(value) if kind == "text" else _url(value)
        row.update(value_text=text, value_key=text[:KEY_LENGTH])
    elif kind == "number":
        row["value_number"] = _number(value)
    elif kind == "date":
        row["value_date"] = _date(value)
    elif kind == "checkbox":
        if not isinstance(value, bool):
            raise BadValue("must be true or false")
        row["value_bool"] = value
    elif kind == "user":
        if not isinstance(value, str) or value not in members:
            raise BadValue("must be the id of a member of the workspace")
        row["value_key"] = value
    elif kind == "select":
        option = _option(field, value)
        row.update(value_key=option, value_number=float(_option_ids(field)[option]))
    else:  # multi_select
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            raise BadValue("must be a list of the field's option ids")
        return [
            {**row, "item": option, "value_key": option}
            for option in sorted({_option(field, item) for item in value})
        ]
    return [row]


def as_stored(rows: list[dict[str, Any]]) -> list[Any]:
    """Rows about to be stored, read like stored rows (their unset value columns None)."""
    return [SimpleNamespace(**{**_EMPTY, **row}) for row in rows]


def read(kind: str, stored: list[TaskFieldValue]) -> Any:
    """A value as clients see it, from its stored rows."""
    if kind == "multi_select":
        return [row.value_key for row in stored]
    row = stored[0]
    if kind in ("text", "url"):
        return row.value_text
    if kind == "number":
        number = row.value_number
        return int(number) if number is not None and number.is_integer() else number
    if kind == "date":
        return row.value_date.isoformat() if row.value_date else None
    if kind == "checkbox":
        return row.value_bool
    return row.value_key


def decode(items: list[Any]) -> dict[str, Any]:
    """A task's `fields` from its aggregated JSON rows (fields/sql.py, `values_select`)."""
    found: dict[str, Any] = {}
    for item in items:
        field_id, kind, key, text, number, day, flag = (
            orjson.loads(item) if isinstance(item, str) else item
        )
        if kind == "multi_select":
            found.setdefault(field_id, []).append(key)
        elif kind in ("text", "url"):
            found[field_id] = text
        elif kind == "number":
            found[field_id] = int(number) if float(number).is_integer() else float(number)
        elif kind == "date":
            found[field_id] = day
        elif kind == "checkbox":
            found[field_id] = bool(flag)
        else:
            found[field_id] = key
    return found
