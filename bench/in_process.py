"""A fresh, migrated database for the benches that call smarttask's services in process."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from auth_load import recreate_database, sqlalchemy_url


@contextmanager
def fresh_database(prefix: str, postgres: str, database: str) -> Iterator[str]:
    """Point smarttask's settings at an empty migrated database: SQLite in a temporary folder,
    or `database` recreated on the `postgres` server when one is given. Yields its name
    ("SQLite" or "PostgreSQL") for the printed figures."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.environ["SMARTTASK_DATA_DIR"] = tmp
        os.environ["SMARTTASK_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp}/smarttask.db"
        os.environ.setdefault("SMARTTASK_LOG_LEVEL", "WARNING")
        where = "SQLite"
        if postgres:
            asyncio.run(recreate_database(postgres, database))
            os.environ["SMARTTASK_DATABASE_URL"] = sqlalchemy_url(postgres, database)
            where = "PostgreSQL"
        from smarttask.db.migrate import upgrade
        from smarttask.settings import get_settings

        upgrade(get_settings().database.url)
        yield where
