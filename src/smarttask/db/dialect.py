"""The few statements whose syntax differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    """The name of the session's database dialect: "postgresql" or "sqlite"."""
    return (
        "postgresql"
        if session.bind is not None and session.bind.dialect.name == "postgresql"
        else "sqlite"
    )


def insert_for(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT on the named dialect's database."""
    # Imported here: only the dialect in use is loaded (a faster cold start).
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def upsert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT on the session's database."""
    return insert_for(dialect_of(session), table)
