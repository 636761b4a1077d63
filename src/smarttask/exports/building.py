"""The export job: build the ZIP in a temporary file, store it, then publish it and mail.

The archive is read through a read-only session (no write lock is held on SQLite while it
builds) and written to a temporary file, which is then streamed to the store; the export
becomes `ready`, its mail is queued and `export.finished` is published on the user's live
stream in the job's own transaction, so nothing is announced for a file that is not
stored. A failure is retried by the job system; the last attempt marks the export failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.adapters.mail.base import Message
from smarttask.adapters.storage.base import Storage
from smarttask.adapters.storage.factory import build_storage
from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.events import outbox
from smarttask.exports import repository
from smarttask.exports.archive import open_archive
from smarttask.exports.builder import ExportWriter
from smarttask.exports.models import ACTIVE, FAILED, READY, RUNNING
from smarttask.exports.service import CONTENT_TYPE, MAX_ATTEMPTS, storage_key
from smarttask.jobs.registry import JobContext, PermanentFailure
from smarttask.mailing.compose import compose, link
from smarttask.mailing.service import send_later

log = logging.getLogger("smarttask.exports")
FINISHED = "export.finished"  # on the user's own live stream: the export page refreshes
PAGE_PATH = "/profile/export"
SUBJECT = "Your smarttask data export is ready"


def human_size(size: int) -> str:
    """A size as people read it (1.4 MB)."""
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} TB"


async def write_file(
    database: Database, storage: Storage, user_id: str, path: str, now: datetime
) -> None:
    """Write the user's export as a ZIP file at `path`, reading in a read-only session."""
    async with open_archive(path) as archive, database.session(writes=False) as reader:
        await ExportWriter(reader, storage, user_id, now).write(archive)


async def _build_and_store(
    database: Database, storage: Storage, user_id: str, export_id: str
) -> int:
    """The ZIP made in a temporary file and put to the store; its size in bytes."""
    handle, path = tempfile.mkstemp(prefix="smarttask-export-", suffix=".zip")
    os.close(handle)
    try:
        await write_file(database, storage, user_id, path, utcnow())
        size = (await asyncio.to_thread(os.stat, path)).st_size
        await storage.put_file(storage_key(user_id, export_id), path, CONTENT_TYPE)
        return size
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _announce(session: AsyncSession, user_id: str, export_id: str, status: str) -> None:
    outbox.emit(
        session,
        FINISHED,
        {"export": {"id": export_id, "status": status}},
        workspace_id=None,
        stream=outbox.user_stream(user_id),
    )


async def build(ctx: JobContext, export_id: str) -> None:
    """Build, store and publish one export (the `exports.build` job)."""
    database, settings = ctx.database, ctx.settings
    async with database.session() as session:
        started = await repository.start(session, export_id)
        if started is None:  # finished meanwhile, or its user was disabled or erased
            await repository.finish(
                session, export_id, {"status": FAILED, "finished_at": utcnow()}, ACTIVE
            )
        await session.commit()
    if started is None:
        return
    user_id = started.user_id
    storage = build_storage(settings.files)
    try:
        size = await _build_and_store(database, storage, user_id, export_id)
    except Exception as error:
        if ctx.attempt < MAX_ATTEMPTS:
            raise
        await _fail(database, user_id, export_id, error)
        raise PermanentFailure(f"the export could not be built: {type(error).__name__}") from error
    now = utcnow()
    hours = settings.exports.retention_hours
    expires_at = now + timedelta(hours=hours)
    values = {
        "status": READY,
        "storage_key": storage_key(user_id, export_id),
        "size": size,
        "finished_at": now,
        "expires_at": expires_at,
        "error": None,
    }
    if not await repository.finish(ctx.session, export_id, values, (RUNNING,)):
        await storage.delete(storage_key(user_id, export_id))  # given up on meanwhile
        return
    _announce(ctx.session, user_id, export_id, READY)
    if started.email:  # an erased user has none (and is refused above)
        await _mail(ctx, export_id, started, size, expires_at)


async def _mail(
    ctx: JobContext, export_id: str, started: Row[Any], size: int, expires_at: datetime
) -> None:
    """Queue the mail that says the export is ready, with a link to the export page."""
    text, html = compose(
        "export_ready",
        subject=SUBJECT,
        person=" ".join(started.name.split()),
        requested=f"{started.created_at:%Y-%m-%d %H:%M}",
        size=human_size(size),
        url=link(ctx.settings.mail.public_url, PAGE_PATH),
        minutes=max(1, ctx.settings.exports.download_ttl_seconds // 60),
        expires=f"{expires_at:%Y-%m-%d %H:%M}",
    )
    message = Message(to=(started.email,), subject=SUBJECT, text=text, html=html)
    await send_later(ctx.session, message, dedupe_key=f"export-ready:{export_id}")


async def _fail(database: Database, user_id: str, export_id: str, error: Exception) -> None:
    """Mark the export failed for good, in a transaction of its own (the job's rolls back)."""
    log.warning(
        "data export failed", extra={"export_id": export_id, "error_type": type(error).__name__}
    )
    reason = f"{type(error).__name__}: {error}"[:500]
    async with database.session() as session:
        values = {"status": FAILED, "finished_at": utcnow(), "error": reason}
        if await repository.finish(session, export_id, values, (RUNNING,)):
            _announce(session, user_id, export_id, FAILED)
        await session.commit()
