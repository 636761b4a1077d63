"""Keyset pagination: opaque cursors over (sort value, id), validated on the way in."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from smarttask.kit.problems import ValidationFailed

T = TypeVar("T")
R = TypeVar("R")

Limit = Annotated[int, Query(ge=1, le=100, description="items per page (1-100)")]
Cursor = Annotated[
    str | None, Query(max_length=1024, description="next_cursor of the previous page")
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor holding the keyset values of the last row of a page."""
    return base64.urlsafe_b64encode(orjson.dumps({"k": values})).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The keyset values of a cursor; a 422 problem if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        values = data["k"]
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong shape")
        if not all(isinstance(v, str | int | float) or v is None for v in values):
            raise ValueError("wrong types")
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise _invalid_cursor() from error
    return values


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid; use next_cursor of a previous page.",
        errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "cursor_invalid"}],
    )


def cursor_timestamp(value: Any) -> datetime:
    """A timestamp read from a cursor: aware and expressible in UTC, else ValueError.

    Cursors are opaque but client-held: a forged naive or out-of-range value must be a
    422, not a failure when the database driver converts it.
    """
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp in a cursor")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("timestamp out of range in a cursor") from error


def created_keyset(cursor: str | None) -> tuple[datetime, str] | None:
    """The (created_at, id) position of a cursor made by `page_by_creation`."""
    if cursor is None:
        return None
    created_at, row_id = decode_cursor(cursor, 2)
    try:
        return cursor_timestamp(created_at), str(row_id)
    except ValueError as error:
        raise _invalid_cursor() from error


def keyset_page(
    rows: Sequence[R], limit: int, read: Callable[[R], T], key: Callable[[R], list[Any]]
) -> Page[T]:
    """A page from `limit + 1` rows in keyset order; the extra row only says "there is more"."""
    items = [read(row) for row in rows[:limit]]
    cursor = encode_cursor(key(rows[limit - 1])) if len(rows) > limit else None
    return Page(items=items, next_cursor=cursor)


def page_by_creation(rows: Sequence[R], limit: int, read: Callable[[R], T]) -> Page[T]:
    """A page from `limit + 1` rows ordered by (created_at, id)."""

    def key(row: Any) -> list[Any]:
        return [row.created_at.isoformat(), row.id]

    return keyset_page(rows, limit, read, key)
