"""All SQL of the job table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.dialect import upsert
from smarttask.jobs.models import DEAD, DONE, QUEUED, RUNNING, UNFINISHED, Job


async def insert_job(session: AsyncSession, values: dict[str, Any]) -> str | None:
    """Insert a queued job; its id, or None when an unfinished job has the same dedupe key."""
    if values.get("dedupe_key") is None:
        await session.execute(insert(Job).values(**values))
        return str(values["id"])
    statement = (
        upsert(session, Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=text(UNFINISHED))
        .returning(Job.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def unfinished_id(session: AsyncSession, dedupe_key: str) -> str | None:
    """The id of the unfinished job holding this dedupe key, if any."""
    statement = select(Job.id).where(Job.dedupe_key == dedupe_key, Job.state.in_((QUEUED, RUNNING)))
    return (await session.execute(statement)).scalar_one_or_none()


async def key_ever_used(session: AsyncSession, dedupe_key: str) -> bool:
    """Whether any job, finished or not, was enqueued with this dedupe key."""
    statement = select(Job.id).where(Job.dedupe_key == dedupe_key).limit(1)
    return (await session.execute(statement)).first() is not None


def _claim_statement(*, by_id: bool) -> Any:
    """The claim, built once: due queued jobs and expired leases, locked rows skipped."""
    now: Any = bindparam("now")
    candidates = select(Job.id).where(
        or_(
            and_(Job.state == QUEUED, Job.run_at <= now),
            and_(Job.state == RUNNING, Job.locked_until <= now),
        )
    )
    if by_id:
        candidates = candidates.where(Job.id.in_(bindparam("ids", expanding=True)))
    claimable = (
        candidates.order_by(Job.run_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
        .cte("claimable")
    )
    return (
        update(Job)
        .where(Job.id.in_(select(claimable.c.id)))
        .values(
            state=RUNNING,
            attempts=Job.attempts + 1,
            locked_until=bindparam("lease_until"),
            locked_by=bindparam("token"),
            updated_at=now,
        )
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


# The prebuilt statements are built once; each call only binds its values.
_CLAIM = _claim_statement(by_id=False)
_CLAIM_IDS = _claim_statement(by_id=True)
_HELD = and_(
    Job.id == bindparam("job_id"), Job.state == RUNNING, Job.locked_by == bindparam("token")
)


def _finish_statement(**values: Any) -> Any:
    return (
        update(Job)
        .where(_HELD)
        .values(locked_until=None, locked_by=None, updated_at=bindparam("now"), **values)
        .execution_options(synchronize_session=False)
    )


_DONE = _finish_statement(state=DONE, finished_at=bindparam("now"), last_error=None)
_RESCHEDULE = _finish_statement(
    state=QUEUED, run_at=bindparam("run_at"), last_error=bindparam("error")
)
_DEAD = _finish_statement(state=DEAD, finished_at=bindparam("now"), last_error=bindparam("error"))
_EXTEND = (
    update(Job)
    .where(_HELD)
    .values(locked_until=bindparam("until"), updated_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease_until: datetime,
    token: str,
    ids: Sequence[str] | None = None,
) -> list[Job]:
    """Take up to `limit` due jobs (or expired leases) for this token; one statement.

    PostgreSQL skips rows another worker holds (FOR UPDATE SKIP LOCKED); SQLite runs it
    inside BEGIN IMMEDIATE, so one writer claims at a time.
    """
    params: dict[str, Any] = {
        "now": now,
        "limit": limit,
        "lease_until": lease_until,
        "token": token,
    }
    if ids is not None:
        params["ids"] = list(ids)
    statement = _CLAIM if ids is None else _CLAIM_IDS
    return list((await session.scalars(statement, params)).all())


async def _held_update(session: AsyncSession, statement: Any, **params: Any) -> bool:
    result = await session.execute(statement, params)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_done(session: AsyncSession, job_id: str, token: str, now: datetime) -> bool:
    """Mark a held job done; False when the lease was lost to another worker."""
    return await _held_update(session, _DONE, job_id=job_id, token=token, now=now)


async def reschedule(
    session: AsyncSession, job_id: str, token: str, *, now: datetime, run_at: datetime, error: str
) -> bool:
    """Queue a held job again for `run_at` after a failed attempt."""
    return await _held_update(
        session, _RESCHEDULE, job_id=job_id, token=token, now=now, run_at=run_at, error=error
    )


async def mark_dead(
    session: AsyncSession, job_id: str, token: str, *, now: datetime, error: str
) -> bool:
    """Give up on a held job: it stays, dead, until someone re-queues it."""
    return await _held_update(session, _DEAD, job_id=job_id, token=token, now=now, error=error)


async def extend_lease(
    session: AsyncSession, job_id: str, token: str, *, now: datetime, until: datetime
) -> bool:
    """Push a held job's lease forward (the heartbeat); False when it was lost."""
    return await _held_update(session, _EXTEND, job_id=job_id, token=token, now=now, until=until)


async def states(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    """The state of each of these jobs that exists."""
    rows = await session.execute(select(Job.id, Job.state).where(Job.id.in_(list(ids))))
    return {row[0]: row[1] for row in rows}


async def list_jobs(session: AsyncSession, *, state: str | None, limit: int) -> list[Job]:
    """Jobs, most recently changed first, optionally of one state."""
    statement = select(Job).order_by(Job.updated_at.desc(), Job.id.desc()).limit(limit)
    if state is not None:
        statement = statement.where(Job.state == state)
    return list((await session.scalars(statement)).all())


async def requeue_dead(
    session: AsyncSession, *, now: datetime, ids: Sequence[str] | None
) -> list[str]:
    """Queue dead jobs again with their attempts reset (all of them when `ids` is None)."""
    statement = update(Job).where(Job.state == DEAD)
    if ids is not None:
        statement = statement.where(Job.id.in_(list(ids)))
    statement = statement.values(
        state=QUEUED, attempts=0, run_at=now, updated_at=now, finished_at=None
    ).returning(Job.id)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return list(result.scalars().all())


async def delete_finished(session: AsyncSession, *, state: str, before: datetime) -> int:
    """Delete jobs of a finished state last changed before `before`; how many went."""
    result = await session.execute(
        delete(Job)
        .where(Job.state == state, Job.updated_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


_BACKLOG = (
    select(Job.state, Job.kind, func.count(), func.min(Job.run_at))
    .where(Job.state.in_((QUEUED, RUNNING, DEAD)))
    .group_by(Job.state, Job.kind)
)


async def backlog(session: AsyncSession) -> list[tuple[str, str, int, datetime | None]]:
    """Queued, running and dead jobs by state and kind, each group's earliest `run_at`
    (the metrics' queue depth and age; the state index bounds it to unfinished and dead jobs)."""
    rows = await session.execute(_BACKLOG)
    return [(row[0], row[1], int(row[2]), row[3]) for row in rows]
