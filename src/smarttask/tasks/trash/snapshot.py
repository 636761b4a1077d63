"""Snapshots of a task tree and of every row that references it, found from the metadata.

Every table with a foreign key to `task.id` (and, recursively, to the rows found so) is
read generically: a table another domain adds later is kept without a change here. Rows
whose key would be deleted with the tasks (`ON DELETE CASCADE`) are kept whole; rows that
would only lose the reference (`SET NULL`) keep it as a link to put back. Values are stored
as JSON and typed again from their column's type on the way back.
"""

from __future__ import annotations

import base64
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    LargeBinary,
    Numeric,
    Table,
    TypeDecorator,
    and_,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.base import Base

_OWN_TABLES = frozenset({"trashed_task", "trashed_task_member"})
_CHUNK = 500


def _metadata_tables() -> list[Table]:
    """Every table of every domain, in foreign-key order (the registry imports them all)."""
    importlib.import_module("smarttask.db.registry")
    return [t for t in Base.metadata.sorted_tables if t.name not in _OWN_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _pk(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _in(columns: list[Column[Any]], values: Iterable[tuple[Any, ...]]) -> Any:
    found = list(values)
    if len(columns) == 1:
        return columns[0].in_([v[0] for v in found])
    return tuple_(*columns).in_(found)


def _chunks(values: set[tuple[Any, ...]]) -> Iterable[list[tuple[Any, ...]]]:
    ordered = sorted(values, key=repr)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _referring(tables: list[Table], target: Table) -> list[tuple[Table, ForeignKeyConstraint]]:
    return [
        (table, fk)
        for table in tables
        for fk in table.foreign_key_constraints
        if fk.referred_table is target
    ]


async def collect(session: AsyncSession, task_ids: list[str]) -> dict[str, Any]:
    """The snapshot of the tasks and of every row that references them, as JSON."""
    tables = _metadata_tables()
    by_name = {t.name: t for t in tables}
    task = by_name["task"]
    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    links: list[dict[str, Any]] = []
    result = await session.execute(select(task).where(task.c.id.in_(task_ids)))
    first = [dict(r) for r in result.mappings()]
    rows["task"] = {_pk(task, r): r for r in first}
    frontier: list[tuple[Table, list[dict[str, Any]]]] = [(task, first)]
    while frontier:
        target, found = frontier.pop()
        for table, fk in _referring(tables, target):
            local = list(fk.columns)
            wanted = {tuple(r[e.column.name] for e in fk.elements) for r in found}
            for chunk in _chunks(wanted):
                result = await session.execute(select(table).where(_in(local, chunk)))
                fresh = []
                for mapping in result.mappings():
                    row = dict(mapping)
                    kept = rows.setdefault(table.name, {})
                    if fk.ondelete and fk.ondelete.upper() == "SET NULL":
                        links.append(
                            {
                                "table": table.name,
                                "pk": {c.name: row[c.name] for c in table.primary_key.columns},
                                "values": {c.name: row[c.name] for c in local},
                            }
                        )
                    elif _pk(table, row) not in kept:
                        kept[_pk(table, row)] = row
                        fresh.append(row)
                if fresh:
                    frontier.append((table, fresh))
    links = [
        link for link in links if tuple(link["pk"].values()) not in rows.get(link["table"], {})
    ]
    return {
        "tables": {
            name: [{k: _encode(v) for k, v in row.items()} for row in found.values()]
            for name, found in rows.items()
            if found
        },
        "links": [{**link, "pk": {k: _encode(v) for k, v in link["pk"].items()}} for link in links],
    }


@dataclass
class Plan:
    """The rows of a snapshot, typed again, to insert; what had to be left out."""

    rows: dict[str, list[dict[str, Any]]]
    links: list[dict[str, Any]]
    dropped: list[dict[str, Any]] = field(default_factory=list)


def plan(snapshot: dict[str, Any]) -> Plan:
    """The snapshot's rows typed by their columns (columns no longer in the table are left out)."""
    by_name = {t.name: t for t in _metadata_tables()}
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, found in snapshot.get("tables", {}).items():
        table = by_name.get(name)
        if table is None:
            continue
        rows[name] = [
            {c.name: _decode(c, row[c.name]) for c in table.columns if c.name in row}
            for row in found
        ]
    return Plan(rows, list(snapshot.get("links", [])))


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table ordered so that a referenced row comes first."""
    own = [fk for fk in table.foreign_key_constraints if fk.referred_table is table]
    if not own:
        return rows
    placed: set[tuple[Any, ...]] = set()
    ordered: list[dict[str, Any]] = []
    pks = {_pk(table, r) for r in rows}
    waiting = list(rows)
    while waiting:
        ready = [
            r
            for r in waiting
            if all(
                (ref := tuple(r[c.name] for c in fk.columns)) not in pks or ref in placed
                for fk in own
            )
        ]
        if not ready:  # a cycle cannot be: keep the rest in order
            ready = waiting
        ordered.extend(ready)
        placed.update(_pk(table, r) for r in ready)
        waiting = [r for r in waiting if _pk(table, r) not in placed]
    return ordered


async def _existing(
    session: AsyncSession, fk: ForeignKeyConstraint, values: set[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    columns = [e.column for e in fk.elements]
    found: set[tuple[Any, ...]] = set()
    for chunk in _chunks(values):
        result = await session.execute(select(*columns).where(_in(columns, chunk)))
        found.update(tuple(r) for r in result)
    return found


def _dropped(table: Table, row: dict[str, Any], names: list[str], what: str) -> dict[str, Any]:
    return {
        "table": table.name,
        "key": [str(v) for v in _pk(table, row)],
        "reference": {n: row[n] for n in names},
        "outcome": what,
    }


async def insert_plan(session: AsyncSession, todo: Plan) -> None:
    """Insert the rows in foreign-key order, leaving out references to rows no longer there.

    A reference that can be null is cleared; a row that needs it is left out (with the rows
    that need that one). Both are added to `todo.dropped`.
    """
    kept: dict[str, set[tuple[Any, ...]]] = {}
    for table in _metadata_tables():
        rows = todo.rows.get(table.name)
        if not rows:
            continue
        for fk in table.foreign_key_constraints:
            names = [c.name for c in fk.columns]
            refs = {tuple(r[n] for n in names) for r in rows}
            refs = {ref for ref in refs if all(v is not None for v in ref)}
            target = fk.referred_table
            if target.name in todo.rows and [c.name for c in target.primary_key.columns] == [
                e.column.name for e in fk.elements
            ]:
                present = kept.get(target.name, set()) | (
                    {_pk(target, r) for r in rows} if target is table else set()
                )
                present |= await _existing(session, fk, refs - present)
            else:
                present = await _existing(session, fk, refs)
            survivors = []
            for row in rows:
                ref = tuple(row[n] for n in names)
                if None in ref or ref in present:
                    survivors.append(row)
                elif all(c.nullable for c in fk.columns):
                    todo.dropped.append(_dropped(table, row, names, "cleared"))
                    for n in names:
                        row[n] = None
                    survivors.append(row)
                else:
                    todo.dropped.append(_dropped(table, row, names, "left out"))
            rows = survivors
        rows = _parents_first(table, rows)
        if rows:
            await session.execute(insert(table), rows)
        kept[table.name] = {_pk(table, r) for r in rows}
    for link in todo.links:
        linked = Base.metadata.tables.get(link["table"])
        if linked is not None:
            await _relink(session, linked, link)


async def _relink(session: AsyncSession, table: Table, link: dict[str, Any]) -> None:
    """Put back a reference the delete cleared, if its row is still there and still clear."""
    pk = {c.name: _decode(c, link["pk"].get(c.name)) for c in table.primary_key.columns}
    values = link["values"]
    await session.execute(
        update(table)
        .where(and_(*(table.c[k] == v for k, v in pk.items())))
        .where(and_(*(table.c[k].is_(None) for k in values)))
        .values(values)
    )
