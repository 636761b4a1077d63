"""An OTLP/HTTP collector stand-in: accepts POST /v1/traces and decodes the protobuf body.

The real exporter sends it ExportTraceServiceRequest messages, decoded here with the
protocol's own generated classes; the tests read the spans back as plain records.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


@dataclass(frozen=True)
class Span:
    """One received span, its ids as lowercase hex."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    status_code: int


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return None if kind is None else getattr(value, kind)


def _attributes(items: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in items}


@dataclass
class Collector:
    """The spans received so far, and the address to export to."""

    endpoint: str = ""
    spans: list[Span] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, body: bytes) -> None:
        """Decode one export request and keep its spans."""
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with self.lock:
            self.requests += 1
            for resource_spans in request.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.spans.append(
                            Span(
                                trace_id=span.trace_id.hex(),
                                span_id=span.span_id.hex(),
                                parent_span_id=span.parent_span_id.hex(),
                                name=span.name,
                                kind=span.kind,
                                attributes=_attributes(span.attributes),
                                resource=resource,
                                status_code=span.status.code,
                            )
                        )

    def snapshot(self) -> list[Span]:
        """A copy of the spans received so far."""
        with self.lock:
            return list(self.spans)

    def wait_for(self, found: Callable[[list[Span]], Any], limit: float = 30) -> Any:
        """Poll the received spans until `found` returns something truthy; that value."""
        deadline = time.monotonic() + limit
        while True:
            result = found(self.snapshot())
            if result:
                return result
            if time.monotonic() > deadline:
                names = sorted({span.name for span in self.snapshot()})
                raise AssertionError(f"the collector never got the spans; it has {names}")
            time.sleep(0.05)


def _handler(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/v1/traces":
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.headers.get("Content-Type") != "application/x-protobuf":
                self.send_error(415)
                return
            collector.receive(body)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running_collector() -> Iterator[Collector]:
    """A collector listening on a free loopback port for the duration of the block."""
    collector = Collector()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(collector))
    collector.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield collector
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def trace_of(spans: list[Span], trace_id: str) -> list[Span]:
    """The spans of one trace."""
    return [span for span in spans if span.trace_id == trace_id]


def ancestors(span: Span, spans: list[Span]) -> list[Span]:
    """The span's parent, its parent's parent, ... as far as the received spans go."""
    by_id = {s.span_id: s for s in spans}
    chain = []
    current = by_id.get(span.parent_span_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = by_id.get(current.parent_span_id)
    return chain
