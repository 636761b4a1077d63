"""Structured JSON logs: one object per line, with the request id (and, when tracing, the
trace and span ids) of the context."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from smarttask.kit.context import current_request_id

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
TraceIds = Callable[[], "tuple[str, str] | None"]
# Set by kit/tracing.py when tracing is on: the current span's (trace id, span id) or None.
# Without it no log line looks for a span (nor imports opentelemetry).
_trace_ids: list[TraceIds] = []


def use_trace_ids(reader: TraceIds) -> None:
    """Add the ids `reader` gives (the current span's) to every log line from now on."""
    _trace_ids[:] = [reader]


def _current_trace_ids() -> tuple[str, str] | None:
    return _trace_ids[0]() if _trace_ids else None


class JsonFormatter(logging.Formatter):
    """Formats a record as a single JSON line; extra fields are kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            payload["request_id"] = request_id
        ids = _current_trace_ids()
        if ids is not None:
            payload["trace_id"], payload["span_id"] = ids
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key != "request_id" and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            payload["error_type"] = record.exc_info[0].__name__
            payload["stack"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(payload, default=str).decode()


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        request_id = current_request_id()
        ids = _current_trace_ids()
        if ids is not None:
            base = f"{base} [trace_id={ids[0]} span_id={ids[1]}]"
        return f"{base} [request_id={request_id}]" if request_id else base


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Route smarttask's and the servers' logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else _TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines are written by smarttask's own middleware, with more fields.
    logging.getLogger("uvicorn.access").disabled = True
