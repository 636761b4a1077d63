"""Turning metrics on for one app: the instruments, the route and the middleware."""

from __future__ import annotations

from fastapi import FastAPI

from smarttask.kit import metrics
from smarttask.metrics.collectors import record_pool
from smarttask.metrics.middleware import MetricsMiddleware
from smarttask.metrics.routes import install_route
from smarttask.runtime import Runtime


def install_metrics_route(app: FastAPI, runtime: Runtime) -> None:
    """Enable this process's instruments and add GET /metrics (before routes are indexed)."""
    instruments = metrics.enable(runtime.settings.metrics_multiproc_dir)
    metrics.start_at_zero(instruments, runtime.jobs.handlers)
    install_route(app, runtime, instruments)


def install_metrics_middleware(app: FastAPI, runtime: Runtime) -> None:
    """Add the request middleware as the outermost layer (call after every other one)."""
    instruments = metrics.enable(runtime.settings.metrics_multiproc_dir)
    after = None
    if instruments.multiprocess_dir:
        # Other workers cannot see this one's pool: it writes its gauges after each request.
        def after() -> None:
            record_pool(instruments, runtime.database)

        after()  # from the start: each live worker's pool size counts in the sum

    app.add_middleware(MetricsMiddleware, instruments=instruments, after_request=after)
