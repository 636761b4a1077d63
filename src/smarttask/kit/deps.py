"""FastAPI dependencies: the process's Database and settings, the request's reader (no ORM).

The request's ORM session is `SessionDep` (kit/session.py, which imports the ORM).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smarttask.db.engine import Database, Reader
from smarttask.kit.unit_of_work import UnitOfWork, unit_of_work
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


async def get_reader(request: Request) -> Reader:
    """The request's reader: one pooled connection for prebuilt read statements (no ORM)."""
    return await unit_of_work(request.scope).reader()


ReaderDep = Annotated[Reader, Depends(get_reader)]


async def get_unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work, for a route that may use its reader or its session."""
    return unit_of_work(request.scope)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
