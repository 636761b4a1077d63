"""Counter endpoints (contract section 2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from smarttask.counters import service
from smarttask.counters.schemas import NAME_PATTERN, CounterRead
from smarttask.db.session import SessionDep, SettingsDep
from smarttask.kit.openapi import problems
from smarttask.kit.ratelimit import enforce

router = APIRouter(prefix="/counters", tags=["counters"])
CounterName = Annotated[str, Path(pattern=NAME_PATTERN, description="1-64 chars of [a-z0-9._-]")]


def _counter_limit(request: Request) -> str:
    limit: str = request.app.state.settings.counter_rate_limit
    return limit


@router.post(
    "/{name}/increment",
    response_model=CounterRead,
    dependencies=[enforce("counters", _counter_limit)],
    responses=problems(409, 413, 415, 422, 429, 503),
)
async def increment_counter(
    name: CounterName, session: SessionDep, settings: SettingsDep
) -> CounterRead:
    """Atomically add 1 to the counter (created at 1 if new)."""
    counter = await service.increment(session, name, max_counters=settings.max_counters)
    return CounterRead.model_validate(counter)


@router.get("/{name}", response_model=CounterRead, responses=problems(404, 422, 503))
async def read_counter(name: CounterName, session: SessionDep) -> CounterRead:
    """Read a counter."""
    return CounterRead.model_validate(await service.get(session, name))
