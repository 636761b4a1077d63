"""JSON answers serialised once, for hot routes that skip FastAPI's response-model pass."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

# UTC timestamps as `...Z`, the form pydantic writes: the same bytes as the response model.
_OPTIONS = orjson.OPT_UTC_Z


def json_response(
    content: Any, *, status_code: int = 200, dependency_response: Response | None = None
) -> Response:
    """An application/json response of `content` (plain dicts, lists, str, int, datetimes).

    The route keeps `response_model=` for the OpenAPI document; returning a Response skips
    FastAPI's validation and encoding of the value. Headers that dependencies set on the
    injected Response (e.g. RateLimit) are carried over, as FastAPI does for other answers.
    """
    response = Response(
        orjson.dumps(content, option=_OPTIONS),
        status_code=status_code,
        media_type="application/json",
    )
    if dependency_response is not None:
        response.headers.raw.extend(dependency_response.headers.raw)
    return response
