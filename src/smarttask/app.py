"""The composition root: create_app() builds the one application both runtimes serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from smarttask import __version__
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.idempotency import idempotency_principal
from smarttask.accounts.routes import router as auth_router
from smarttask.accounts.users_routes import router as users_router
from smarttask.activity.routes import router as activity_router
from smarttask.analysis.routes import router as analysis_router
from smarttask.attachments.routes import RAW_BODY_PREFIXES
from smarttask.attachments.routes import router as attachments_router
from smarttask.comments.routes import router as comments_router
from smarttask.counters.routes import router as counters_router
from smarttask.db.engine import Database
from smarttask.health.routes import router as health_router
from smarttask.jobs.queue import configure as configure_jobs
from smarttask.kit.errors import install_exception_handlers
from smarttask.kit.middleware import EdgeMiddleware
from smarttask.kit.ratelimit import RateLimiter
from smarttask.kit.routing import index_routes
from smarttask.kit.unit_of_work import UnitOfWorkMiddleware
from smarttask.projects.routes import router as projects_router
from smarttask.settings import Settings, get_settings
from smarttask.tasks.routes import router as tasks_router
from smarttask.workspaces.routes import router as workspaces_router

log = logging.getLogger("smarttask.app")

API_PREFIX = "/api/v1"
# POSTs whose answers hold secrets: Idempotency-Key is accepted but their answers are not
# stored for replay (see docs/api.md).
UNREPLAYABLE_PREFIXES = (
    f"{API_PREFIX}/auth/",
    f"{API_PREFIX}/users/me/tokens",
    f"{API_PREFIX}/users/me/totp",
    f"{API_PREFIX}/users/me/password",
)


def create_app(settings: Settings | None = None, *, background: bool = False) -> FastAPI:
    """Build the application; nothing connects until the first request needs it.

    `background` runs the job worker in-process (the server does unless
    SMARTTASK_WORKER_IN_PROCESS=false; Lambda does not: its worker is a function of its own).
    """
    settings = settings or get_settings()
    database = Database(settings.database)
    configure_jobs(database, settings.jobs)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        task = None
        if background and settings.jobs.in_process:
            from smarttask.jobs.worker import Worker

            worker = Worker(database, settings)
            task = asyncio.create_task(worker.run(grace_seconds=5), name="job-worker")
        try:
            yield
        finally:
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
    app.state.settings = settings
    app.state.database = database
    app.state.rate_limiter = RateLimiter(settings.rate_limits)
    app.state.auth = AuthComponents.build(settings.auth, app.state.rate_limiter)

    app.include_router(health_router)
    routers = (
        auth_router,
        users_router,
        workspaces_router,
        projects_router,
        tasks_router,
        analysis_router,
        comments_router,
        activity_router,
        counters_router,
        attachments_router,
    )
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)

    install_exception_handlers(app, retry_after=settings.retry_after_seconds)
    index_routes(app.router)
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
            ],
            "allow_credentials": False,
            "max_age": 600,
        },
    )
    return app
