"""FastAPI dependencies for the database session and settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Database
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.settings import Settings


async def get_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work (committed by the middleware, not here).

    Dependencies are `async def` so that FastAPI does not hop to a thread for them.
    """
    return unit_of_work(request.scope).session


async def get_database(request: Request) -> Database:
    """The process's database engines."""
    database: Database = request.app.state.database
    return database


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
