"""FastAPI dependencies for the database session and settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

# Defined without the ORM in db/deps.py (the health routes use them on a cold start).
from smarttask.db.deps import DatabaseDep as DatabaseDep
from smarttask.db.deps import SettingsDep as SettingsDep
from smarttask.db.deps import get_app_settings as get_app_settings
from smarttask.db.deps import get_database as get_database
from smarttask.kit.unit_of_work import unit_of_work


async def get_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work (committed by the middleware, not here).

    Dependencies are `async def` so that FastAPI does not hop to a thread for them.
    """
    return unit_of_work(request.scope).session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
