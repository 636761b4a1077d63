"""Sending job ids to an SQS queue (boto3, in a thread; imported only when configured)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("smarttask.jobs")

MAX_DELAY_SECONDS = 900  # SQS's longest message delay
_AWS_HOST = re.compile(r"^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


def queue_location(queue_url: str) -> tuple[str | None, str | None]:
    """(endpoint_url, region) for a queue URL: AWS hosts use their region, others are endpoints."""
    parts = urlsplit(queue_url)
    host = parts.hostname or ""
    match = _AWS_HOST.match(host)
    if match:
        return None, match.group(1)
    return f"{parts.scheme}://{parts.netloc}", None


@lru_cache(maxsize=4)
def _client(endpoint_url: str | None, region: str | None) -> Any:
    # Imported lazily: a cold start that never sends pays nothing.
    boto3: Any = importlib.import_module("boto3")
    session = boto3.session.Session()  # not the default session: its credentials stick
    return session.client("sqs", endpoint_url=endpoint_url, region_name=region or "us-east-1")


def client_for(queue_url: str) -> Any:
    """The process's SQS client for this queue (created once)."""
    return _client(*queue_location(queue_url))


def _send(queue_url: str, job_id: str, delay_seconds: int) -> None:
    client_for(queue_url).send_message(
        QueueUrl=queue_url, MessageBody=job_id, DelaySeconds=delay_seconds
    )


async def send_job_id(queue_url: str, job_id: str, delay_seconds: float = 0) -> None:
    """Send one job id; a failure is logged only (the scheduled drain runs the job anyway)."""
    delay = max(0, min(MAX_DELAY_SECONDS, int(delay_seconds)))
    try:
        await asyncio.to_thread(_send, queue_url, job_id, delay)
    except Exception as error:
        log.warning(
            "job id not sent to SQS; the scheduled drain will run the job",
            extra={"job_id": job_id, "error_type": type(error).__name__},
        )
