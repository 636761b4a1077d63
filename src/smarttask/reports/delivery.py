"""Sending one scheduled run: render the file, then mail it or store it and mail a link.

A failed attempt is written onto the delivery (attempts, last error) in a short transaction
of its own, since the job's transaction is rolled back when the handler raises; the job
system then retries it with exponential backoff (`RetryLater`) or gives up
(`PermanentFailure`). After the last attempt the delivery is `failed` with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urljoin

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.mail.base import Attachment, MailError, Message
from smarttask.adapters.storage.base import Storage
from smarttask.adapters.storage.factory import build_storage
from smarttask.adapters.storage.local import AlreadyStored, LocalStorage
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.jobs.registry import PermanentFailure, RetryLater
from smarttask.jobs.retry import describe_error
from smarttask.kit.problems import Conflict
from smarttask.mailing.service import send_now
from smarttask.reports import files, repository, service
from smarttask.reports.models import FAILED, PENDING, SENT, ReportDelivery, SavedReport
from smarttask.reports.scheduler import stop
from smarttask.reports.summary import summary_of
from smarttask.settings import Settings

log = logging.getLogger("smarttask.reports")

# How long a stored report's link works (the longest an S3 presigned URL may live).
LINK_TTL = timedelta(days=7)
NO_SCHEDULE = "The report no longer has a schedule."


async def deliver(
    session: AsyncSession,
    database: Database,
    settings: Settings,
    delivery_id: str,
    *,
    attempt: int,
    max_attempts: int,
) -> None:
    """Send one delivery (attempt `attempt` of `max_attempts`); the job's session commits."""
    delivery = await repository.get_delivery(session, delivery_id)
    if delivery is None or delivery.status != PENDING:
        return  # the report was deleted, or this run is already settled
    report = await repository.get(session, delivery.report_id)
    if report is None:
        return
    final = attempt >= max_attempts
    try:
        await _send(session, database, settings, report, delivery)
    except Conflict as refusal:  # the report cannot run any more: no attempt can help
        reason = refusal.detail
        if reason in service.STOPPING:
            await stop(session, report, reason)
        _settle(delivery, attempt, FAILED, reason)
        return
    except MailError as error:
        final = final or not error.retryable
        await _record(session, database, delivery.id, attempt, error.reason, final=final)
        if final:
            raise PermanentFailure(error.reason) from error
        raise RetryLater(error.reason) from error
    except Exception as error:
        reason = describe_error(error)
        await _record(session, database, delivery.id, attempt, reason, final=final)
        if final:
            raise PermanentFailure(reason) from error
        raise
    _settle(delivery, attempt, SENT, None)
    delivery.sent_at = utcnow()


def _settle(delivery: ReportDelivery, attempt: int, status: str, error: str | None) -> None:
    delivery.status, delivery.attempts, delivery.error = status, attempt, error


async def _record(
    job_session: AsyncSession,
    database: Database,
    delivery_id: str,
    attempt: int,
    error: str,
    *,
    final: bool,
) -> None:
    """Write a failed attempt in its own transaction, the job's being rolled back first (it
    would be anyway: the handler raises; and on SQLite it holds the one write lock)."""
    await job_session.rollback()
    async with database.session() as session:
        await repository.record_attempt(
            session,
            delivery_id,
            attempts=attempt,
            error=error[:1000],
            status=FAILED if final else PENDING,
        )
        await session.commit()


async def _send(
    session: AsyncSession,
    database: Database,
    settings: Settings,
    report: SavedReport,
    delivery: ReportDelivery,
) -> None:
    if report.frequency is None or not report.recipients or report.file_format is None:
        raise Conflict(NO_SCHEDULE)
    ran = await service.run(session, report, delivery.scheduled_for, reader=None)
    result = ran.result
    summary = await summary_of(session, settings.ai, report.workspace_id, result)
    data = await files.render(report.name, result, report.file_format, summary)
    name = files.filename(report.name, ran.day, report.file_format)
    media_type = files.MEDIA_TYPES[report.file_format]
    subject = f"{report.name} \u2014 {files.period(result)}"
    intro = f"{report.name}, {files.period(result)} (days in {result.timezone})."
    if summary:
        intro += "\n\n" + " ".join(summary)
    if delivery.storage_key is None:
        note = f"The full report is attached ({name})."
        text = f"{intro}\n\n{note}\n\n{files.preview(result)}\n"
        attachments: tuple[Attachment, ...] = (Attachment(name, media_type, data),)
    else:
        storage = build_storage(settings.files)
        await _store(storage, delivery.storage_key, data, media_type)
        link = storage.presign_download(
            delivery.storage_key, name, media_type, int(LINK_TTL.total_seconds())
        )
        link = urljoin(settings.files.public_url + "/", link)
        expires = (utcnow() + LINK_TTL).strftime("%Y-%m-%d %H:%M UTC")
        note = f"Download the full report ({name}) until {expires}:"
        text = f"{intro}\n\n{note}\n{link}\n\n{files.preview(result)}\n"
        note = f"{note} {link}"
        attachments = ()
    heading = f"{report.name}, {files.period(result)} (days in {result.timezone})."
    message = Message(
        to=tuple(report.recipients),
        subject=subject,
        text=text,
        html=files.mail_html(heading, summary, result, note),
        attachments=attachments,
    )
    await send_now(settings.mail, message)


async def _store(storage: Storage, key: str, data: bytes, media_type: str) -> None:
    """Put the file at `key` (kept from an earlier attempt if it is there already)."""
    if await storage.stat(key) is not None:
        return
    if isinstance(storage, LocalStorage):
        try:
            await storage.write(key, len(data), _once(data))
        except AlreadyStored:
            return
        return
    # Any other store takes the bytes through its own presigned upload (S3: a signed PUT).
    import httpx

    ticket = storage.presign_upload(key, len(data), media_type, 900)
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.request(
            ticket.method, ticket.url, content=data, headers=ticket.headers
        )
    if response.status_code >= 300:
        raise RuntimeError(f"storing the report failed: HTTP {response.status_code}")


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
