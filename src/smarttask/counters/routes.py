"""Counter endpoints (docs/api.md, Counters).

The hottest routes: they read the database outside the ORM session and answer bytes
serialised once (the response model documents them but does not re-validate them).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from smarttask.counters import service
from smarttask.counters.schemas import NAME_PATTERN, CounterRead
from smarttask.kit.deps import UnitOfWorkDep
from smarttask.kit.openapi import problems
from smarttask.kit.ratelimit import enforce
from smarttask.kit.responses import json_response
from smarttask.speed.hotroute import hot_route

router = APIRouter(prefix="/counters", tags=["counters"])
CounterName = Annotated[str, Path(pattern=NAME_PATTERN, description="1-64 chars of [a-z0-9._-]")]


def _counter_limit(request: Request) -> str:
    limit: str = request.app.state.settings.counter_rate_limit
    return limit


@hot_route(
    router,
    "/{name}/increment",
    methods=["POST"],
    response_model=CounterRead,
    dependencies=[enforce("counters", _counter_limit)],
    responses=problems(409, 413, 415, 422, 429, 503),
)
async def increment_counter(
    name: CounterName, request: Request, response: Response, uow: UnitOfWorkDep
) -> Response:
    """Atomically add 1 to the counter (created at 1 if new)."""
    state = request.app.state
    counter = await service.increment_for_request(
        uow,
        state.database,
        name,
        max_counters=state.settings.max_counters,
    )
    return json_response(counter, dependency_response=response)


@hot_route(
    router,
    "/{name}",
    methods=["GET"],
    response_model=CounterRead,
    responses=problems(404, 422, 503),
)
async def read_counter(name: CounterName, request: Request) -> Response:
    """Read a counter."""
    return json_response(await service.get(request.app.state.database, name))
