"""Turning metrics on for one app: the instruments, the route and the middleware.

The modules that import prometheus_client are imported only after `metrics.enable` has
named the multi-process folder: prometheus_client picks its value store on first import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smarttask.kit import metrics

if TYPE_CHECKING:
    from fastapi import FastAPI

    from smarttask.runtime import Runtime


def install_metrics_route(app: FastAPI, runtime: Runtime) -> None:
    """Enable this process's instruments and add GET /metrics (before routes are indexed)."""
    instruments = metrics.enable(runtime.settings.metrics_multiproc_dir)
    from smarttask.metrics.routes import install_route

    metrics.start_at_zero(instruments, runtime.jobs.handlers)
    install_route(app, runtime, instruments)


def install_metrics_middleware(app: FastAPI, runtime: Runtime) -> None:
    """Add the request middleware as the outermost layer (call after every other one)."""
    instruments = metrics.enable(runtime.settings.metrics_multiproc_dir)
    from smarttask.metrics.collectors import record_pool
    from smarttask.metrics.middleware import MetricsMiddleware

    after = None
    if instruments.multiprocess_dir:
        # Other workers cannot see this one's pool: it writes its gauges after each request.
        def after() -> None:
            record_pool(instruments, runtime.database)

        after()  # from the start: each live worker's pool size counts in the sum

    app.add_middleware(MetricsMiddleware, instruments=instruments, after_request=after)
