"""OpenTelemetry traces, on only when the standard OTLP endpoint variables ask for them.

With neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, nothing
here imports opentelemetry and every function below returns at once. With one set, `start`
sets the SDK up once per process through the official pieces: a TracerProvider whose sampler,
resource and batch processor read the standard OTEL_* variables themselves, the OTLP
exporter over HTTP/protobuf, and the FastAPI, SQLAlchemy and httpx instrumentations.

A job carries the trace context of the request that enqueued it (`job.traceparent`, W3C) and
runs inside a span whose parent is that context, on any worker (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from smarttask import __version__
from smarttask.kit.logging import TraceIds, use_trace_ids

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from smarttask.db.engine import Database
    from smarttask.settings import Settings
    from smarttask.speed.lazy_routes import LazyRouters

log = logging.getLogger("smarttask.tracing")

DEFAULT_SERVICE_NAME = "smarttask"
INSTALL_HINT = "pip install 'smarttask[tracing]'"
# Job outcomes (jobs/runner.py) that mark the job's span as failed.
_FAILED = frozenset({"retry", "dead"})
# How long the end of a Lambda invocation waits for its spans to leave (a collector that does
# not answer costs each invocation this much, never more).
FLUSH_TIMEOUT_MILLIS = 2000


class _State:
    provider: Any = None  # the SDK's TracerProvider once started
    unavailable: bool = False  # asked for, but the extra is missing (said once)


_state = _State()


def start(settings: Settings) -> bool:
    """Set tracing up once per process if the settings ask for it; whether it is on."""
    if _state.provider is not None:
        return True
    if not settings.tracing_enabled or _state.unavailable:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        _state.unavailable = True
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the tracing extra is not installed "
            "(%s); running without traces",
            INSTALL_HINT,
            extra={"missing_module": error.name},
        )
        return False
    provider = TracerProvider(resource=_resource())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Engines are created lazily (db/engine.py), after this: instrumenting engine creation
    # traces every one of them. The instrumentation declares SQLAlchemy < 2.1 but only uses
    # the engine events, unchanged in 2.1 (tests/integration/test_tracing.py checks the spans).
    SQLAlchemyInstrumentor().instrument(skip_dep_check=True)
    HTTPXClientInstrumentor().instrument(
        request_hook=redact_client_span, async_request_hook=_redact_client_span_async
    )
    _state.provider = provider
    use_trace_ids(_ids_reader(trace.get_current_span))
    return True


def _resource() -> Any:
    """The SDK's resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, smarttask's
    name and version where those leave them out."""
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource

    detected = OTELResourceDetector().detect().attributes
    defaults = {"service.name": DEFAULT_SERVICE_NAME, "service.version": __version__}
    return Resource.create({k: v for k, v in defaults.items() if not detected.get(k)})


def _ids_reader(current_span: Any) -> TraceIds:
    def ids() -> tuple[str, str] | None:
        context = current_span().get_span_context()
        if not context.is_valid:
            return None
        return f"{context.trace_id:032x}", f"{context.span_id:016x}"

    return ids


def instrument_app(app: FastAPI) -> None:
    """Trace each request of the app in a server span named by its route template."""
    if _state.provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, server_request_hook=redact_server_span)
    routers: LazyRouters | None = getattr(app.state, "routers", None)
    if routers is not None and routers.pending:
        build = app.build_middleware_stack
        app.build_middleware_stack = lambda: _RoutesFirst(build(), routers)  # type: ignore[method-assign]


class _RoutesFirst:
    """Include the lazy routers a request needs before the instrumentation names its span.

    The instrumentation names a span from the routes included when the request arrives,
    before the router's own lazy include (speed/lazy_routes.py) runs: a path's first request
    would be named by its method alone.
    """

    def __init__(self, app: ASGIApp, routers: LazyRouters) -> None:
        self.app = app  # FastAPI looks for the instrumentation's middleware through `.app`
        self.routers = routers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.routers.include_for_request(scope)
        await self.app(scope, receive, send)


def redact_server_span(span: Any, scope: dict[str, Any]) -> None:
    """Record the request's URL as the access log writes it: without its query string (a
    signature, an authorization code) and with a calendar feed's token masked."""
    attributes = getattr(span, "attributes", None)
    if not span.is_recording() or not attributes:
        return
    from smarttask.kit.middleware import loggable_path  # the access log's own masking

    path = loggable_path(str(scope.get("path", "")))
    if "http.url" in attributes:
        parts = urlsplit(str(attributes["http.url"]))
        span.set_attribute("http.url", urlunsplit((parts.scheme, parts.netloc, path, "", "")))
    for key in ("http.target", "url.path"):
        if key in attributes:
            span.set_attribute(key, path)
    if "url.query" in attributes:
        span.set_attribute("url.query", "")


def redact_client_span(span: Any, request: Any) -> None:
    """Record an outgoing request's origin only: a webhook's URL may hold a secret anywhere
    after its host (chat services put their tokens in the path)."""
    attributes = getattr(span, "attributes", None)
    if not span.is_recording() or not attributes:
        return
    parts = urlsplit(str(request.url))
    origin = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/", "", ""))
    for key in ("http.url", "url.full"):
        if key in attributes:
            span.set_attribute(key, origin)


async def _redact_client_span_async(span: Any, request: Any) -> None:
    redact_client_span(span, request)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span (for a job to continue it), if tracing."""
    if _state.provider is None:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def job_span(kind: str, job_id: str, attempt: int, traceparent: str | None) -> Iterator[Any]:
    """Run a job inside a span continuing the trace that enqueued it; yields the span."""
    if _state.provider is None:
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier = {"traceparent": traceparent} if traceparent else {}
    parent = TraceContextTextMapPropagator().extract(carrier)  # a fresh context: no other parent
    tracer = trace.get_tracer("smarttask.jobs", __version__)
    attributes: dict[str, str | int] = {
        "smarttask.job.kind": kind,
        "smarttask.job.id": job_id,
        "smarttask.job.attempt": attempt,
    }
    with tracer.start_as_current_span(
        f"job {kind}", context=parent, kind=trace.SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


def end_job_span(span: Any, outcome: str, error: str | None) -> None:
    """Record how the job ended on its span (a retry or a dead job is an error)."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("smarttask.job.outcome", outcome)
    if outcome in _FAILED:
        span.set_status(Status(StatusCode.ERROR, error))


@contextlib.contextmanager
def untraced(database: Database) -> Iterator[None]:
    """Run the statements inside without spans (the job queue's polling, nobody's request)."""
    if _state.provider is None:
        yield
        return
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    # The engine is created on first use; created under suppression it would never be traced.
    _ = database.core
    with suppress_instrumentation():
        yield


def flush() -> None:
    """Export the spans ended so far (Lambda freezes the process between invocations)."""
    if _state.provider is not None:
        _state.provider.force_flush(FLUSH_TIMEOUT_MILLIS)
