"""The FastAPI dependency for the request's ORM session (the rest: kit/deps.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.kit.unit_of_work import unit_of_work


async def get_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work (committed by the middleware, not here).

    Dependencies are `async def` so that FastAPI does not hop to a thread for them.
    """
    return unit_of_work(request.scope).session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
