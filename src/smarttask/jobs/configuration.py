"""Which job-queue settings the sessions of a Database enqueue with (no table imported)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from smarttask.db.engine import DATABASE_KEY, Database
from smarttask.settings import JobSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

_settings: weakref.WeakKeyDictionary[Database, JobSettings] = weakref.WeakKeyDictionary()


def configure(database: Database, settings: JobSettings) -> None:
    """Attach the job-queue settings to a Database (its sessions' enqueues use them)."""
    _settings[database] = settings


def settings_of(session: AsyncSession) -> JobSettings | None:
    """The job-queue settings of the Database this session came from, if configured."""
    database = session.info.get(DATABASE_KEY)
    return _settings.get(database) if isinstance(database, Database) else None
