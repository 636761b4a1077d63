"""The Lambda worker against a local SQS-protocol server (moto's server mode).

Enqueue sends job ids after commit (never after a rollback); an SQS event built from the
received messages and the SQS sample (tests/fixtures/aws-events/sqs.json) runs exactly
those jobs and reports the failing one; a scheduled event (eventbridge-scheduler.json)
enqueues the periodic jobs and drains due jobs.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from smarttask import runtime, wiring
from smarttask.counters import service as counters
from smarttask.db.engine import Database
from smarttask.entrypoints import lambda_worker
from smarttask.jobs import sqs
from smarttask.jobs.queue import enqueue
from smarttask.jobs.registry import JobContext, JobSet
from smarttask.settings import get_settings
from tests.support.jobs import counter_value, job, job_settings
from tests.support.lambda_events import LambdaContext, sample

registry = JobSet()  # joined to the container's runtime by the `container` fixture


@registry.handler("test.lambda.ok")
async def ok_handler(context: JobContext, payload: dict[str, Any]) -> None:
    await counters.increment(context.session, payload["counter"], max_counters=1000)


@registry.handler("test.lambda.fail")
async def failing_handler(_context: JobContext, _payload: dict[str, Any]) -> None:
    raise ConnectionError("upstream unavailable")


@pytest.fixture(scope="module")
def sqs_endpoint() -> Iterator[str]:
    """A local SQS-protocol server on an ephemeral port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def queue_url(sqs_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh queue; AWS credentials for the local server."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sqs._client.cache_clear()
    client = boto3.session.Session().client(
        "sqs", endpoint_url=sqs_endpoint, region_name="us-east-1"
    )
    return str(client.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}")["QueueUrl"])


def receive(queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in the queue (they stay invisible for a while after)."""
    client = sqs.client_for(queue_url)
    messages: list[dict[str, Any]] = []
    while True:
        batch = client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def sqs_event(messages: list[dict[str, Any]], queue_url: str) -> dict[str, Any]:
    """An SQS event as Lambda's event source mapping delivers these messages."""
    event = sample("sqs.json")
    template = event["Records"][0]
    arn = "arn:aws:sqs:us-east-1:123456789012:" + queue_url.rsplit("/", 1)[-1]
    event["Records"] = [
        {
            **copy.deepcopy(template),
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "md5OfBody": message["MD5OfBody"],
            "messageAttributes": {},
            "eventSourceARN": arn,
            "awsRegion": "us-east-1",
        }
        for message in messages
    ]
    return event


@pytest.fixture
def container(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    clean_database: None,
    queue_url: str,
) -> Iterator[None]:
    """A cold Lambda worker container configured by environment, as in AWS."""
    for name in list(os.environ):
        if name.startswith("SMARTTASK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMARTTASK_DATABASE_URL", database_url)
    monkeypatch.setenv("SMARTTASK_SQS_QUEUE_URL", queue_url)
    monkeypatch.setenv("SMARTTASK_LOG_LEVEL", "WARNING")
    # The container runs this module's handlers too, as if the wiring point listed it.
    monkeypatch.setattr(runtime, "job_modules", lambda: (*wiring.job_modules(), __name__))
    get_settings.cache_clear()
    lambda_worker._state.clear()
    try:
        yield
    finally:
        if lambda_worker._state:
            loop = lambda_worker._state["loop"]
            loop.run_until_complete(lambda_worker._state["worker"].database.dispose())
            loop.close()
        lambda_worker._state.clear()
        get_settings.cache_clear()


def enqueue_jobs(
    database_url: str, queue_url: str, jobs: list[tuple[str, dict[str, Any]]], *, commit: bool
) -> list[str]:
    """Enqueue jobs the way a request would (queue configured with SQS), then commit or not."""
    settings = job_settings(database_url, sqs_queue_url=queue_url)

    async def run() -> list[str]:
        database = Database(settings.database, jobs=settings.jobs)
        try:
            async with database.session() as session:
                ids = [await enqueue(session, kind, payload) for kind, payload in jobs]
                if commit:
                    await session.commit()
                else:
                    await session.rollback()
                return ids
        finally:
            await database.dispose()

    return asyncio.run(run())


def stored(database_url: str, job_id: str) -> Any:
    """A job as stored now."""

    async def read() -> Any:
        database = Database(job_settings(database_url).database)
        try:
            return await job(database, job_id)
        finally:
            await database.dispose()

    return asyncio.run(read())


def counter(database_url: str, name: str) -> int | None:
    """A counter's value."""

    async def read() -> int | None:
        database = Database(job_settings(database_url).database)
        try:
            return await counter_value(database, name)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_job_ids_reach_the_queue_after_commit_and_never_after_rollback(
    database_url: str, clean_database: None, queue_url: str
) -> None:
    rolled_back = enqueue_jobs(
        database_url, queue_url, [("test.lambda.ok", {"counter": "a"})], commit=False
    )
    assert receive(queue_url) == []
    committed = enqueue_jobs(
        database_url,
        queue_url,
        [("test.lambda.ok", {"counter": "a"}), ("test.lambda.ok", {"counter": "b"})],
        commit=True,
    )
    bodies = sorted(m["Body"] for m in receive(queue_url))
    assert bodies == sorted(committed)
    assert rolled_back[0] not in bodies


def test_an_sqs_batch_runs_its_jobs_and_reports_only_the_failing_one(
    container: None, database_url: str, queue_url: str
) -> None:
    ok, failing, other = enqueue_jobs(
        database_url,
        queue_url,
        [
            ("test.lambda.ok", {"counter": "sqs"}),
            ("test.lambda.fail", {}),
            ("test.lambda.ok", {"counter": "sqs-json"}),
        ],
        commit=True,
    )
    messages = receive(queue_url)
    assert len(messages) == 3
    by_job = {m["Body"]: m for m in messages}
    by_job[other]["Body"] = json.dumps({"job_id": other})  # the JSON body form
    event = sqs_event(list(by_job.values()), queue_url)

    result = lambda_worker.handler(event, LambdaContext())

    assert result == {"batchItemFailures": [{"itemIdentifier": by_job[failing]["MessageId"]}]}
    assert (stored(database_url, ok).state, counter(database_url, "sqs")) == ("done", 1)
    assert counter(database_url, "sqs-json") == 1
    retry = stored(database_url, failing)
    assert (retry.state, retry.attempts) == ("queued", 1)
    assert retry.last_error == "ConnectionError: upstream unavailable"

    # SQS delivers the batch again: finished jobs succeed without running twice, and the
    # failing job, not due yet, comes back again later.
    again = lambda_worker.handler(event, LambdaContext())
    assert again == result
    assert counter(database_url, "sqs") == 1
    assert stored(database_url, failing).attempts == 1


def test_a_scheduled_event_enqueues_periodic_jobs_and_drains_due_jobs(
    container: None, database_url: str, queue_url: str
) -> None:
    ids = enqueue_jobs(
        database_url, queue_url, [("test.lambda.ok", {"counter": "drained"})] * 5, commit=True
    )
    event = sample("eventbridge-scheduler.json")
    # One instant for both calls: a minute's job would otherwise get a new slot when the
    # calls straddle a minute's end, and the second call would rightly enqueue it.
    _loop, worker = lambda_worker._setup()
    instant = worker.clock()
    worker.clock = lambda: instant

    result = lambda_worker.handler(event, LambdaContext())

    assert result["periodic_enqueued"] == len(runtime.build_runtime().jobs.periodic)
    assert result["jobs_run"] >= 5
    assert counter(database_url, "drained") == 5
    assert {stored(database_url, i).state for i in ids} == {"done"}
    again = lambda_worker.handler(event, LambdaContext())
    assert again["periodic_enqueued"] == 0  # same slots: already enqueued


def test_an_unknown_event_is_refused(container: None) -> None:
    with pytest.raises(ValueError, match="unsupported event"):
        lambda_worker.handler({"hello": "world"}, LambdaContext())
