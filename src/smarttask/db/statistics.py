"""Planner statistics after bulk writes: ANALYZE the tables a load has just filled.

Until a table has been analysed, PostgreSQL's planner knows nothing of its size (and
autovacuum's first round may be minutes away): after a bulk load it plans lists as
sequential scans. SQLite's planner, too, chooses indexes better with `sqlite_stat1`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def analyze_tables(executor: AsyncSession | AsyncConnection, names: Sequence[str]) -> None:
    """ANALYZE the named tables; run after their rows are committed, the caller commits."""
    if not names:
        return
    if isinstance(executor, AsyncConnection):
        dialect = executor.dialect
    else:
        dialect = executor.get_bind().dialect
    tables = [dialect.identifier_preparer.quote(name) for name in names]
    if dialect.name == "postgresql":
        await executor.execute(text(f"ANALYZE {', '.join(tables)}"))
        return
    for table in tables:  # SQLite analyses one table (or the whole database) per statement
        await executor.execute(text(f"ANALYZE {table}"))
