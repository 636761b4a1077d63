"""Data export rules: asking for one (with proof, one at a time, rate-limited) and reading
the newest one's status with a fresh download URL (docs/export.md)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask import securitylog
from smarttask.accounts import service as accounts
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import User
from smarttask.adapters.storage.base import Storage
from smarttask.db.types import new_id, utcnow
from smarttask.exports import repository
from smarttask.exports.models import EXPIRED, QUEUED, READY, DataExport
from smarttask.exports.schemas import ExportRead, ExportRequest
from smarttask.jobs.queue import enqueue
from smarttask.kit.problems import Conflict, TooManyRequests
from smarttask.kit.ratelimit import RateLimitDecision
from smarttask.settings import ExportSettings

BUILD = "exports.build"
# Attempts of one export's job (each with the job system's backoff); then it has failed.
MAX_ATTEMPTS = 3
CONTENT_TYPE = "application/zip"
RATE_POLICY = "export"


def storage_key(user_id: str, export_id: str) -> str:
    """Where an export's file is stored (a key of the service's own, never user input)."""
    return f"exports/{user_id}/{export_id}"


def download_name(created_at: datetime) -> str:
    """The name a downloaded export is saved under."""
    return f"smarttask-export-{created_at:%Y-%m-%d}.zip"


async def _check_rate(
    session: AsyncSession, user_id: str, exports: ExportSettings, now: datetime
) -> None:
    """429 with Retry-After while the user asked for SMARTTASK_EXPORT_RATE_LIMIT exports
    within its window (failed ones do not count). Counted in the database: the same on
    every instance, with or without Redis."""
    if not exports.rate_limit_enabled:
        return
    from limits import parse

    limit = parse(exports.rate_limit)
    window = int(limit.get_expiry())
    count, first = await repository.requested_since(
        session, user_id, now - timedelta(seconds=window)
    )
    if count < limit.amount or first is None:
        return
    retry = max(1, math.ceil((first + timedelta(seconds=window) - now).total_seconds()))
    decision = RateLimitDecision(
        allowed=False,
        policy=RATE_POLICY,
        limit=limit.amount,
        window_seconds=window,
        remaining=0,
        reset_seconds=retry,
    )
    raise TooManyRequests(
        f"You asked for {count} data export(s) within {window} seconds, the most allowed; "
        f"retry in {retry} seconds.",
        headers=decision.headers() | {"Retry-After": str(retry)},
        extra={"code": "export_rate_limited"},
    )


async def request(
    session: AsyncSession,
    auth: AuthComponents,
    user: User,
    proof: ExportRequest,
    exports: ExportSettings,
) -> DataExport:
    """Ask for an export of everything the user's account holds (needs proof).

    While one is queued or running, that one is the answer (nothing new is made, nothing
    counted); otherwise a new one is queued, unless the rate limit says 429.
    """
    await accounts.reauthenticate(
        session, auth, user, password=proof.current_password, totp_code=proof.totp_code
    )
    running = await repository.active(session, user.id)
    if running is not None:
        return running
    now = utcnow()
    await _check_rate(session, user.id, exports, now)
    row = DataExport(id=new_id(), user_id=user.id, status=QUEUED, created_at=now)
    if not await repository.add(session, row):  # a concurrent request queued one first
        running = await repository.active(session, user.id)
        if running is None:
            raise Conflict("Another export request is being handled; ask again.")
        return running
    await enqueue(session, BUILD, {"export_id": row.id}, max_attempts=MAX_ATTEMPTS)
    securitylog.record(
        session,
        "export.requested",
        actor_id=user.id,
        target_id=user.id,
        details={"export_id": row.id},
    )
    return row


def to_read(
    row: DataExport,
    storage: Storage,
    exports: ExportSettings,
    now: datetime,
    *,
    with_url: bool = True,
) -> ExportRead:
    """An export as the API shows it; a ready one with a download URL made now (unless
    `with_url` is false)."""
    status = row.status
    if status == READY and row.expires_at is not None and row.expires_at <= now:
        status = EXPIRED  # the hourly cleanup has not deleted it yet: it is gone already
    url, until = None, None
    if status == READY and row.storage_key and with_url:
        ttl = exports.download_ttl_seconds
        url = storage.presign_download(
            row.storage_key, download_name(row.created_at), CONTENT_TYPE, ttl
        )
        until = now + timedelta(seconds=ttl)
    return ExportRead(
        id=row.id,
        status=status,
        created_at=row.created_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
        size=row.size,
        download_url=url,
        download_expires_at=until,
    )


async def read(
    session: AsyncSession,
    user: User,
    storage: Storage,
    exports: ExportSettings,
    with_url: bool = True,
) -> ExportRead:
    """The user's newest export (`status: "none"` when they never asked for one)."""
    row = await repository.newest(session, user.id)
    if row is None:
        return ExportRead(status="none")
    return to_read(row, storage, exports, utcnow(), with_url=with_url)
