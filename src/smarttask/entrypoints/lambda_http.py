"""AWS Lambda entry point for HTTP: API Gateway REST (1.0), HTTP API (2.0), function URLs, ALB.

The app is built on the first invocation and kept for the life of the container; each
domain's routes are imported on the first request under their path, and the database
connects on the first request that needs it. The ASGI lifespan is off, since an
adapter may otherwise run it on every invocation.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

_adapter: Any = None
# kit/tracing.py's flush once built: Lambda freezes the process after each invocation, and
# spans still waiting in the batch would leave only with a later one (or never).
_flush: Any = None
# Mangum base64-encodes any other type, which a REST API without binary media types hands
# to the client verbatim: problem+json error bodies must stay text.
_TEXT_MIME_TYPES = [
    "text/",
    "application/json",
    "+json",
    "application/javascript",
    "application/xml",
    "application/vnd.oai.openapi",
]


def _without_prefix(path: Any, prefix: str) -> Any:
    """The path with `prefix` removed when it is the path's first segment."""
    if isinstance(path, str) and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path


def _strip_stage(event: dict[str, Any]) -> dict[str, Any]:
    """Drop a named stage's prefix (`/prod/api/...`) so that routes match on every endpoint."""
    context = event.get("requestContext") or {}
    stage = context.get("stage")
    if not stage or stage == "$default":
        return event
    prefix = f"/{stage}"
    if event.get("version") == "2.0":
        # HTTP API: both rawPath and requestContext.http.path (the one Mangum reads) carry it.
        http = context.get("http") or {}
        return {
            **event,
            "rawPath": _without_prefix(event.get("rawPath"), prefix),
            "requestContext": {
                **context,
                "http": {**http, "path": _without_prefix(http.get("path"), prefix)},
            },
        }
    path = event.get("path")
    if isinstance(path, str) and context.get("path") == prefix + path:
        return event  # REST API on its execute-api URL: only requestContext.path has the stage
    return {**event, "path": _without_prefix(path, prefix)}


def _alb_client(event: dict[str, Any]) -> dict[str, Any]:
    """Keep only the address an ALB appended to X-Forwarded-For: the rest is client-sent."""
    # Mangum takes the whole header as the client address: a client could vary it at will
    # to escape per-IP rate limits.
    if "elb" not in (event.get("requestContext") or {}):
        return event
    event = dict(event)
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if not isinstance(headers, dict):
            continue
        for name, value in headers.items():
            if name.lower() == "x-forwarded-for":
                last = value[-1] if isinstance(value, list) and value else value
                address = str(last or "").rsplit(",", 1)[-1].strip()
                event[field] = {**headers, name: [address] if isinstance(value, list) else address}
    return event


def _build() -> Any:
    from mangum import Mangum

    from smarttask.speed.pydantic_v1 import guard_pydantic_v1_checks

    guard_pydantic_v1_checks()  # before the first route is built

    from smarttask.app import create_app
    from smarttask.kit.logging import configure_logging
    from smarttask.kit.tracing import flush
    from smarttask.settings import get_settings

    global _flush
    _flush = flush

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    # smarttask writes its own access line per request; Mangum's would say it twice.
    logging.getLogger("mangum").setLevel(logging.WARNING)
    # Each domain's routes are imported on the first request under their path: a cold
    # container answers its first request without building the routes it does not need.
    app = create_app(settings)
    return Mangum(app, lifespan="off", text_mime_types=_TEXT_MIME_TYPES)


def _cold_start(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Build the app and answer the container's first event, without cyclic collections.

    The imports and the first request allocate the objects the container keeps for life
    (modules, classes, routes, mappers) and free almost nothing: the collector's passes over
    that growing heap found nothing to free and cost about a sixth of a cold start's CPU.
    What is alive then is frozen (`gc.freeze`), so that later collections skip it too.
    """
    global _adapter
    gc.disable()
    try:
        _adapter = _build()
        response: dict[str, Any] = _adapter(event, context)
    finally:
        gc.freeze()
        gc.enable()
    return response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one HTTP event through the shared application."""
    event = _alb_client(_strip_stage(event))
    try:
        if _adapter is None:
            return _cold_start(event, context)
        response: dict[str, Any] = _adapter(event, context)
        return response
    finally:
        if _flush is not None:  # None only when building the app failed
            _flush()
