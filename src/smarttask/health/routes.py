"""Health endpoints (docs/api.md, Health)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from smarttask import __version__
from smarttask.db.types import utcnow
from smarttask.health.service import database_reachable
from smarttask.kit.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    """The process is running."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether the service can serve requests."""

    status: Literal["healthy", "unhealthy"]
    database: Literal["connected", "error"]
    version: str
    timestamp: datetime


@router.get("/health/live", response_model=Liveness)
async def live() -> Liveness:
    """200 while the process runs; does no I/O."""
    return Liveness(status="ok")


@router.get(
    "/health",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database cannot be reached"}},
)
async def health(database: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    """200 when the database answers, else 503 with Retry-After."""
    reachable = await database_reachable(database, settings.health_timeout)
    body = Readiness(
        status="healthy" if reachable else "unhealthy",
        database="connected" if reachable else "error",
        version=__version__,
        timestamp=utcnow(),
    )
    headers = {"Cache-Control": "no-store"}
    if not reachable:
        headers["Retry-After"] = str(settings.retry_after_seconds)
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if reachable else 503, headers=headers
    )
