"""AWS Lambda entry point for background jobs: SQS batches and scheduled events.

An SQS record's body is a job id (or JSON `{"job_id": ...}`); exactly those jobs run and the
records that should come back are reported as partial batch failures. A scheduled
(EventBridge) event enqueues the periodic jobs that are due and drains due jobs until the
invocation's time is nearly up. Everything is created once per container and runs on one
event loop that lives as long as the container (pooled connections belong to their loop).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

log = logging.getLogger("smarttask.jobs")

# Ids whose SQS message is deleted: the job ran, had already finished, or no longer exists.
SUCCESSFUL = frozenset({"done", "dead", "finished", "missing"})
# Time kept back at the end of a scheduled drain for the last jobs and the reply.
SAFETY_MARGIN_SECONDS = 15.0
DEFAULT_BUDGET_SECONDS = 60.0

_state: dict[str, Any] = {}


def _setup() -> tuple[asyncio.AbstractEventLoop, Any]:
    if not _state:
        from smarttask.jobs.worker import Worker
        from smarttask.kit.logging import configure_logging
        from smarttask.kit.tracing import flush
        from smarttask.runtime import build_runtime
        from smarttask.settings import get_settings

        settings = get_settings()
        # Logging first: the runtime says so if tracing is asked for but not installed.
        configure_logging(settings.log_level, json_lines=settings.log_json)
        runtime = build_runtime(settings)
        _state["flush"] = flush
        _state["loop"] = asyncio.new_event_loop()
        _state["worker"] = Worker(runtime.database, settings, runtime.jobs)
    return _state["loop"], _state["worker"]


def job_id_of(body: str) -> str | None:
    """The job id an SQS message carries: the body itself, or {"job_id": ...}."""
    text = (body or "").strip()
    if text.startswith("{"):
        try:
            value = json.loads(text).get("job_id")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) and value else None
    return text or None


def _is_scheduled(event: dict[str, Any]) -> bool:
    return event.get("detail-type") == "Scheduled Event" or event.get("source") in (
        "aws.events",
        "aws.scheduler",
    )


async def _sqs_batch(worker: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    ids: dict[str, list[str]] = {}
    failures: list[str] = []
    for record in records:
        job_id = job_id_of(record.get("body", ""))
        if job_id is None:
            log.warning("SQS message without a job id", extra={"message_id": record["messageId"]})
            continue  # retrying cannot make it readable
        ids.setdefault(job_id, []).append(record["messageId"])
    if ids:
        try:
            outcomes = await worker.run_ids(list(ids))
        except Exception as error:
            log.warning("SQS batch failed", extra={"error_type": type(error).__name__})
            outcomes = {}
        for job_id, message_ids in ids.items():
            if outcomes.get(job_id) not in SUCCESSFUL:
                failures.extend(message_ids)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failures]}


async def _scheduled(worker: Any, context: Any) -> dict[str, Any]:
    remaining = DEFAULT_BUDGET_SECONDS
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        remaining = context.get_remaining_time_in_millis() / 1000
    deadline = time.monotonic() + max(0.0, remaining - SAFETY_MARGIN_SECONDS)
    enqueued = await worker.schedule_periodic() if worker.settings.jobs.periodic else 0
    ran = await worker.drain(deadline=deadline, grace_seconds=SAFETY_MARGIN_SECONDS / 2)
    log.info("scheduled drain", extra={"periodic_enqueued": enqueued, "jobs_run": ran})
    return {"periodic_enqueued": enqueued, "jobs_run": ran}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run an SQS batch of job ids, or a scheduled drain with periodic jobs."""
    loop, worker = _setup()
    records = event.get("Records")
    try:
        if isinstance(records, list):
            return loop.run_until_complete(_sqs_batch(worker, records))
        if _is_scheduled(event):
            return loop.run_until_complete(_scheduled(worker, context))
    finally:
        _state["flush"]()  # Lambda freezes the process: the jobs' spans leave now
    raise ValueError("unsupported event: expected SQS records or a scheduled event")
