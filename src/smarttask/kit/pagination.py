"""Keyset pagination: opaque cursors over (sort value, id), validated on the way in."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from smarttask.kit.problems import ValidationFailed

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P")

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


def created_keyset(cursor: str | None, order: str | None = None) -> tuple[datetime, str] | None:
    """The (created_at, id) position of a cursor made by `created_cursor` (with that `order`)."""
    if cursor is None:
        return None
    values = decode_cursor(cursor, 2 if order is None else 3)
    if order is not None and values[2] != order:  # a cursor of the list in another order
        raise _invalid_cursor()
    created_at, row_id = values[0], values[1]
    try:
        return cursor_timestamp(created_at), str(row_id)
    except ValueError as error:
        raise _invalid_cursor() from error


@dataclass(frozen=True, slots=True)
class Rows(Generic[R]):
    """One page of rows, before they take the shape of the answer."""

    items: list[R]
    next_cursor: str | None

    def read(self, read: Callable[[R], T]) -> Page[T]:
        """The page, each row read into its answer."""
        return Page(items=[read(row) for row in self.items], next_cursor=self.next_cursor)


async def fetch_page(
    after: P | None,
    limit: int,
    fetch: Callable[[P | None, int], Awaitable[Sequence[R]]],
    cursor_of: Callable[[R], str],
) -> Rows[R]:
    """Up to `limit` rows after a keyset position, and the cursor of the next page if any.

    `fetch(after, size)` answers at most `size` rows in keyset order; it is asked for
    `limit + 1`: the extra row only says "there is more" and is never returned.
    """
    rows = await fetch(after, limit + 1)
    items = list(rows[:limit])
    return Rows(items=items, next_cursor=cursor_of(items[-1]) if len(rows) > limit else None)


def created_cursor(created_at: datetime, row_id: str, order: str | None = None) -> str:
    """The cursor after a row in (created_at, id) order, read back by `created_keyset`.

    `order` names the list's order in the cursor (a list that can be read both ways), so
    that a cursor of one order is refused by the other.
    """
    values = [created_at.isoformat(), row_id]
    return encode_cursor(values if order is None else [*values, order])


class Created(Protocol):
    """A row listed in (created_at, id) order."""

    @property
    def created_at(self) -> datetime:
        """When the row was created."""

    @property
    def id(self) -> str:
        """The row's id."""


def by_creation(row: Created) -> str:
    """The cursor after a row listed in (created_at, id) order."""
    return created_cursor(row.created_at, row.id)
