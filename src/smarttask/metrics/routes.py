"""GET /metrics: the Prometheus text exposition, behind an optional bearer token."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from smarttask.kit.metrics import Instruments
from smarttask.kit.problems import problem_response
from smarttask.metrics.collectors import Joined, forget_dead_workers, job_families, record_pool
from smarttask.runtime import Runtime

log = logging.getLogger("smarttask.metrics")
PATH = "/metrics"


def _authorised(request: Request, token: bytes | None) -> bool:
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Compared in constant time; neither the expected nor the given token is ever logged.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token)


def metrics_endpoint(runtime: Runtime, instruments: Instruments) -> Callable[..., Any]:
    """The /metrics endpoint of this runtime (its pool, its job registry's kinds)."""
    secret = runtime.settings.metrics_token
    token = secret.get_secret_value().encode() if secret is not None else None
    directory = instruments.multiprocess_dir
    if directory:
        source: object = CollectorRegistry()
        MultiProcessCollector(source, path=directory)  # type: ignore[no-untyped-call]
    else:
        source = REGISTRY

    async def metrics(request: Request) -> Response:
        if not _authorised(request, token):
            return problem_response(
                401,
                "The metrics need the bearer token of SMARTTASK_METRICS_TOKEN.",
                slug="unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        record_pool(instruments, runtime.database)
        try:
            families = await job_families(runtime.database, runtime.jobs.handlers.keys())
        except Exception as error:  # an outage is when metrics matter most: serve the rest
            log.warning(
                "metrics: job table not readable", extra={"error_type": type(error).__name__}
            )
            families = []
        if directory:
            await asyncio.to_thread(forget_dead_workers, directory)
        # Reading the multi-process files is file I/O: off the event loop.
        body = await asyncio.to_thread(generate_latest, Joined(source, families))
        return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return metrics


def install_route(app: FastAPI, runtime: Runtime, instruments: Instruments) -> None:
    """Add GET /metrics to the app (before its routes are indexed); not in the OpenAPI
    document, which describes the JSON API."""
    endpoint = metrics_endpoint(runtime, instruments)
    app.add_api_route(PATH, endpoint, methods=["GET"], include_in_schema=False)
