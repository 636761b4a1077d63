"""The process's Prometheus instruments, and the one-line recorders the domains call.

Until `enable()` runs (the app does when SMARTTASK_METRICS_ENABLED=true) every recorder is a
no-op and prometheus_client is not imported: a Lambda cold start or a server without
metrics pays one `is None` test per call. Every label value is bounded: the recorders take
outcomes from the fixed lists below, and callers pass job kinds and providers from code.
The metric list, with each label's values, is in docs/operations.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from smarttask.settings import AiProvider

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

# Request latency buckets (seconds): reads take milliseconds, analyses and uploads longer.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_OUTCOMES = ("done", "retry", "dead", "lost")
ANALYSIS_OUTCOMES = ("done", "rejected", "retry", "failed", "error")
MAIL_OUTCOMES = ("sent", "deferred", "failed")
WEBHOOK_OUTCOMES = ("succeeded", "failed", "dead", "canceled")


@dataclass(frozen=True, slots=True)
class Instruments:
    """Every instrument this process records into (module-level, as Prometheus wants)."""

    requests: Counter
    latency: Histogram
    jobs: Counter
    analyses: Counter
    mails: Counter
    webhooks: Counter
    pool: Gauge  # multi-process mode only: each worker's pool, summed over live workers
    multiprocess_dir: str | None


_instruments: Instruments | None = None


def enable(multiprocess_dir: str | None = None) -> Instruments:
    """Create the instruments once per process (imports prometheus_client); later calls
    return the same ones. With a folder, counters are shared through files in it by every
    process given the same folder (prometheus_client's multi-process mode)."""
    global _instruments
    if _instruments is not None:
        return _instruments
    if multiprocess_dir:
        # prometheus_client picks its value store from this variable on import.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiprocess_dir
    from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

    disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series

    _instruments = Instruments(
        requests=Counter(
            "smarttask_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
        ),
        latency=Histogram(
            "smarttask_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status class.",
            ("method", "route", "status_class"),
            buckets=LATENCY_BUCKETS,
        ),
        jobs=Counter(
            "smarttask_job_runs",
            "Background job attempts, by job kind and how the attempt ended.",
            ("kind", "outcome"),
        ),
        analyses=Counter(
            "smarttask_analyses",
            "AI analysis attempts, by provider and outcome.",
            ("provider", "outcome"),
        ),
        mails=Counter("smarttask_mails", "Mail sending attempts, by outcome.", ("outcome",)),
        webhooks=Counter(
            "smarttask_webhook_deliveries",
            "Webhook delivery attempts, by outcome.",
            ("outcome",),
        ),
        pool=Gauge(
            "smarttask_db_pool",
            "Database connections of the server workers' pools, by use.",
            ("use",),
            multiprocess_mode="livesum",
        ),
        multiprocess_dir=multiprocess_dir or None,
    )
    return _instruments


def instruments() -> Instruments | None:
    """The instruments, or None while metrics are disabled."""
    return _instruments


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else "other"


def job_finished(kind: str, outcome: str) -> None:
    """Count one job attempt (`kind` is a registered job kind, or "unknown")."""
    if _instruments is not None:
        _instruments.jobs.labels(kind, _bounded(outcome, JOB_OUTCOMES)).inc()


def analysis_finished(provider: str, outcome: str) -> None:
    """Count one analysis attempt (`provider` is the configured AI provider)."""
    if _instruments is not None:
        _instruments.analyses.labels(provider, _bounded(outcome, ANALYSIS_OUTCOMES)).inc()


def mail_finished(outcome: str) -> None:
    """Count one mail sending attempt."""
    if _instruments is not None:
        _instruments.mails.labels(_bounded(outcome, MAIL_OUTCOMES)).inc()


def webhook_delivered(outcome: str) -> None:
    """Count one webhook delivery attempt."""
    if _instruments is not None:
        _instruments.webhooks.labels(_bounded(outcome, WEBHOOK_OUTCOMES)).inc()


def label_children(instruments: Instruments, method: str, route: str, status: int) -> Any:
    """The request counter's and latency histogram's children of these labels."""
    return (
        instruments.requests.labels(method, route, str(status)),
        instruments.latency.labels(method, route, f"{status // 100}xx"),
    )


PROVIDERS: tuple[str, ...] = get_args(AiProvider)


def start_at_zero(instruments: Instruments, job_kinds: Iterable[str]) -> None:
    """Create every outcome series at 0, so that rates and alerts see them before the first
    event (Prometheus' advice for label values known in advance)."""
    for kind in job_kinds:
        for outcome in JOB_OUTCOMES:
            instruments.jobs.labels(kind, outcome)
    for provider in PROVIDERS:
        for outcome in ANALYSIS_OUTCOMES:
            instruments.analyses.labels(provider, outcome)
    for outcome in MAIL_OUTCOMES:
        instruments.mails.labels(outcome)
    for outcome in WEBHOOK_OUTCOMES:
        instruments.webhooks.labels(outcome)
