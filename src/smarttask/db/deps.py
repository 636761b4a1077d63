"""FastAPI dependencies for the process's Database and settings (no ORM imported)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smarttask.db.engine import Database
from smarttask.settings import Settings


async def get_database(request: Request) -> Database:
    """The process's database engines."""
    database: Database = request.app.state.database
    return database


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
