"""Enqueueing: a job row in the caller's transaction (the outbox), sent to SQS after commit.

How enqueue finds its settings: every session from `Database.session()` carries its
`Database` in `session.info`, and the runtime (`smarttask.runtime.build_runtime`) builds
that Database with the job settings. A session of a Database built without them enqueues
rows only (no SQS send) and its jobs use the runner's SMARTTASK_JOB_MAX_ATTEMPTS.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import DATABASE_KEY, Database
from smarttask.db.hooks import after_commit
from smarttask.db.types import new_id, utcnow
from smarttask.jobs import repository
from smarttask.jobs.models import QUEUED
from smarttask.kit.context import current_request_id
from smarttask.kit.tracing import current_traceparent
from smarttask.settings import JobSettings


def settings_of(session: AsyncSession) -> JobSettings | None:
    """The job settings of the Database this session came from, if it was built with them."""
    database = session.info.get(DATABASE_KEY)
    return database.job_settings if isinstance(database, Database) else None


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int | None = None,
) -> str:
    """Add a job in the caller's transaction; its id (an unfinished duplicate's id if deduped).

    The job exists only if the caller commits. With SMARTTASK_SQS_QUEUE_URL set, its id is
    sent to the queue after that commit (never after a rollback).
    """
    now = utcnow()
    due = run_at or now
    for _ in range(3):  # an unfinished duplicate may finish between the two statements
        job_id = await repository.insert_job(
            session,
            {
                "id": new_id(),
                "kind": kind,
                "payload": payload,
                "state": QUEUED,
                "attempts": 0,
                "max_attempts": max_attempts,
                "run_at": due,
                "dedupe_key": dedupe_key,
                "request_id": current_request_id(),
                "traceparent": current_traceparent(),
                "created_at": now,
                "updated_at": now,
            },
        )
        if job_id is not None:
            notify_after_commit(session, job_id, (due - now).total_seconds())
            return job_id
        assert dedupe_key is not None
        existing = await repository.unfinished_id(session, dedupe_key)
        if existing is not None:
            return existing
    raise RuntimeError(f"could not enqueue {kind!r} with dedupe key {dedupe_key!r}")


def notify_after_commit(session: AsyncSession, job_id: str, delay: float = 0) -> None:
    """With SQS configured, send the job id once the session commits (not on rollback)."""
    settings = settings_of(session)
    if settings is None or not settings.sqs_queue_url:
        return
    from smarttask.jobs.sqs import MAX_DELAY_SECONDS, send_job_id

    if delay > MAX_DELAY_SECONDS:
        return  # too far out for SQS: the scheduled drain runs it when due
    after_commit(session, functools.partial(send_job_id, settings.sqs_queue_url, job_id, delay))
