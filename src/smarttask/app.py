"""The composition root: create_app() builds the one application both runtimes serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.types import Scope

from smarttask import __version__
from smarttask.accounts.components import AuthComponents
from smarttask.adapters.storage.local import TRANSFER_PATH
from smarttask.health.routes import router as health_router
from smarttask.imports.limits import MAX_UPLOAD_BYTES, UPLOAD_PATHS
from smarttask.kit.errors import install_exception_handlers
from smarttask.kit.middleware import EdgeMiddleware
from smarttask.kit.openapi_problems import install_problem_responses
from smarttask.kit.unit_of_work import UnitOfWorkMiddleware
from smarttask.runtime import Runtime, build_runtime
from smarttask.settings import Settings
from smarttask.speed.lazy_routes import LazyRouters
from smarttask.speed.routing import index_routes
from smarttask.web import errors as page_errors
from smarttask.web.security import content_security_policy
from smarttask.wiring import app_routers

if TYPE_CHECKING:
    from smarttask.db.listener import Listener

log = logging.getLogger("smarttask.app")

API_PREFIX = "/api/v1"
# POSTs whose answers hold secrets: Idempotency-Key is accepted but their answers are not
# stored for replay (see docs/api.md).
UNREPLAYABLE_PREFIXES = (
    f"{API_PREFIX}/auth/",
    f"{API_PREFIX}/users/me/tokens",
    f"{API_PREFIX}/users/me/totp",
    f"{API_PREFIX}/users/me/password",
    f"{API_PREFIX}/users/me/calendar-feed",
)
# The local store's upload URLs take raw bodies of any size: the JSON body limit skips them.
RAW_BODY_PREFIXES = (TRANSFER_PATH,)
# File uploads with a body limit of their own (and any media type): project imports.
UPLOADS = ((UPLOAD_PATHS, MAX_UPLOAD_BYTES),)


async def idempotency_principal(scope: Scope) -> str | None:
    """The owner of an Idempotency-Key (accounts are imported on the first such request)."""
    from smarttask.accounts.idempotency import idempotency_principal as principal

    return await principal(scope)


def _callers_listener(settings: Settings, auth: AuthComponents) -> Listener | None:
    """On PostgreSQL, a started listener that keeps the callers' cache exact (else None).

    Only a server's lifespan runs this: Lambda runs no lifespan, and its frozen containers
    could not follow notifications anyway.
    """
    if settings.database.is_sqlite or settings.auth.caller_cache_seconds <= 0:
        return None
    from smarttask.accounts.callers import CHANNEL, NOTIFYING
    from smarttask.db.listener import Listener

    callers = auth.callers
    listener = Listener(
        settings.database, CHANNEL, callers.forget, callers.forget_all, precondition=NOTIFYING
    )
    callers.attach(listener)
    listener.start()
    return listener


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    background: bool = False,
    lazy_routes: bool = True,
) -> FastAPI:
    """Build the application; nothing connects until the first request needs it.

    `background` runs the job worker in-process (the server does unless
    SMARTTASK_WORKER_IN_PROCESS=false; Lambda does not: its worker is a function of its own).
    `lazy_routes` (the default, as both entry points run) imports each domain's routes on
    the first request under their path instead of now: a worker builds only the routes its
    traffic reaches (about 0.3 s of CPU and 60 MiB for all of them). Either way the app
    routes and documents the same (tests/unit/test_lazy_routes.py).
    The app runs on `runtime` when given, else on one built from `settings` (by default the
    environment's).
    """
    runtime = runtime or build_runtime(settings)
    settings, database, auth = runtime.settings, runtime.database, runtime.auth

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        task = None
        listener = _callers_listener(settings, auth)
        if background and settings.jobs.in_process:
            from smarttask.jobs.worker import Worker

            worker = Worker(database, settings, runtime.jobs)
            task = asyncio.create_task(worker.run(grace_seconds=5), name="job-worker")
        try:
            yield
        finally:
            hub = getattr(_app.state, "live_hub", None)  # live/hub.py, made by a first stream
            if hub is not None:
                await hub.close()
            if listener is not None:
                auth.callers.attach(None)
                await listener.stop()
            if worker is not None and task is not None:
                worker.stop()
                await asyncio.gather(task, return_exceptions=True)
            await database.dispose()

    app = FastAPI(
        title="smarttask",
        version=__version__,
        summary="A self-hostable, AI-assisted task manager API.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.database = database
    app.state.rate_limiter = auth.limiter
    app.state.auth = auth

    app.include_router(health_router)
    if settings.metrics_enabled:  # else prometheus_client is never imported (docs/operations.md)
        from smarttask.metrics.install import install_metrics_route

        install_metrics_route(app, runtime)
    routers = LazyRouters(app, API_PREFIX, app_routers())
    if not lazy_routes:
        routers.include_all()
    app.state.routers = routers

    install_exception_handlers(app, retry_after=settings.retry_after_seconds)
    page_errors.install(app)  # the same decisions, as pages for the web app's paths
    install_problem_responses(
        app, api_prefix=API_PREFIX, unreplayable_prefixes=UNREPLAYABLE_PREFIXES
    )
    index_routes(app.router)
    if lazy_routes:
        routers.install()  # last: it wraps app.openapi (and any hook on it) and the index
    # Added innermost first: the last one added is the outermost layer.
    app.add_middleware(
        UnitOfWorkMiddleware,
        database=database,
        http=settings.http,
        fingerprint_key=settings.secret_key.get_secret_value().encode(),
        principal=idempotency_principal,
        unreplayable_prefixes=UNREPLAYABLE_PREFIXES,
    )
    app.add_middleware(
        EdgeMiddleware,
        hsts=settings.env == "production",
        retry_after=settings.retry_after_seconds,
        max_bytes=settings.max_body_bytes,
        raw_body_prefixes=RAW_BODY_PREFIXES,
        uploads=UPLOADS,
        page_csp=content_security_policy(settings),
        cors={
            "allow_origins": list(settings.cors_origins),
            "allow_methods": ["GET", "POST", "PATCH", "PUT", "DELETE"],
            "allow_headers": [
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Request-ID",
            ],
            "expose_headers": [
                "ETag",
                "Location",
                "Retry-After",
                "X-Request-ID",
                "RateLimit",
                "RateLimit-Policy",
                "Idempotent-Replayed",
                "X-Revoked-Sessions",
                "X-Revoked-Api-Tokens",
            ],
            "allow_credentials": False,
            "max_age": 600,
        },
    )
    if settings.metrics_enabled:  # outermost: it sees every answer, the edge's own included
        from smarttask.metrics.install import install_metrics_middleware

        install_metrics_middleware(app, runtime)
    if settings.tracing_enabled:  # OpenTelemetry, only when OTEL_EXPORTER_OTLP_* asks for it
        from smarttask.kit.tracing import instrument_app

        instrument_app(app)
    return app
