"""AWS Lambda entry point for HTTP: API Gateway REST (1.0), HTTP API (2.0), function URLs, ALB.

The app is built on the first invocation and kept for the life of the container; the
database connects on the first request that needs it. The ASGI lifespan is off, since an
adapter may otherwise run it on every invocation.
"""

from __future__ import annotations

from typing import Any

_adapter: Any = None


def _strip_stage(event: dict[str, Any]) -> dict[str, Any]:
    """Drop a named stage's prefix (`/prod/api/...`) so that routes match on every endpoint."""
    context = event.get("requestContext") or {}
    stage = context.get("stage")
    if not stage or stage == "$default":
        return event
    prefix = f"/{stage}"
    for field in ("rawPath", "path"):
        path = event.get(field)
        if isinstance(path, str) and (path == prefix or path.startswith(prefix + "/")):
            event = {**event, field: path[len(prefix):] or "/"}
    return event


def _build() -> Any:
    from mangum import Mangum

    from smarttask.app import create_app
    from smarttask.kit.logging import configure_logging
    from smarttask.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return Mangum(create_app(settings), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one HTTP event through the shared application."""
    global _adapter
    if _adapter is None:
        _adapter = _build()
    response: dict[str, Any] = _adapter(_strip_stage(event), context)
    return response
