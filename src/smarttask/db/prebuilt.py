"""Multi-row statements built once per row count: their values bound by name, never inlined.

A statement with its values inlined (`insert(t).values([...])`) is built and compiled again
on every call, since SQLAlchemy cannot cache it; one of bound parameters named
`<column>_<row>` is built once per row count and then only rebound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import FromClause, Table, bindparam


def bound_rows(table: FromClause, columns: Sequence[str], rows: int) -> list[dict[str, Any]]:
    """`rows` rows of parameters `<column>_<row>`, typed as their columns, for `.values()`."""
    return [{c: bindparam(f"{c}_{i}", type_=table.c[c].type) for c in columns} for i in range(rows)]


def row_params(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, Any]:
    """The values of `bound_rows`' parameters, from rows of column values."""
    return {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in columns}


def table_of(model: Any) -> Table:
    """The Core table of a mapped class (Core statements skip the ORM's bookkeeping)."""
    return cast(Table, model.__table__)
