"""Attachment rules: members upload and complete; uploaders and admins delete; viewers read."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urljoin

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts import repository as accounts_repository
from smarttask.accounts.models import User
from smarttask.activity import service as activity
from smarttask.adapters.storage.base import Storage, UploadTicket
from smarttask.attachments import repository
from smarttask.attachments.models import Attachment
from smarttask.attachments.repository import DELETED, PENDING, READY
from smarttask.attachments.schemas import AttachmentCreate, AttachmentRead, UploadRead
from smarttask.db.engine import Database
from smarttask.db.hooks import after_commit
from smarttask.db.types import new_id, utcnow
from smarttask.kit.pagination import Page, by_creation, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, Forbidden, NotFound, ValidationFailed
from smarttask.settings import StorageSettings
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.workspaces.access import require_project_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such attachment."


def _invalid(field: str, message: str, kind: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[{"loc": ["body", field], "msg": message, "type": kind}]
    )


def _trail(
    session: AsyncSession,
    user: User | None,
    attachment: Attachment,
    action: activity.Action,
    changes: dict[str, dict[str, object]],
) -> None:
    activity.record(
        session,
        workspace_id=attachment.workspace_id,
        task_id=attachment.task_id,
        actor_id=user.id if user else None,
        action=action,
        entity_type="attachment",
        entity_id=attachment.id,
        changes=changes,
    )


async def list_for_task(
    session: AsyncSession,
    user: User,
    task_id: str,
    cursor: str | None,
    limit: int,
    storage: Storage,
    files: StorageSettings,
) -> Page[AttachmentRead]:
    """A task's attachments, oldest first, to its workspace's viewers (404 otherwise)."""
    task, _ = await tasks.load(session, user, task_id, Role.VIEWER)
    return await page_for_task(session, task, cursor, limit, storage, files)


async def page_for_task(
    session: AsyncSession,
    task: Task,
    cursor: str | None,
    limit: int,
    storage: Storage,
    files: StorageSettings,
) -> Page[AttachmentRead]:
    """A task's attachments, oldest first (its viewers checked by the caller)."""
    rows = await fetch_page(
        created_keyset(cursor),
        limit,
        lambda after, size: repository.list_for_task(session, task.id, after=after, limit=size),
        by_creation,
    )
    return rows.read(lambda row: to_read(row, storage, files))


async def _check_quotas(
    session: AsyncSession, workspace_id: str, size: int, files: StorageSettings
) -> None:
    """422 when `size` more bytes would exceed the workspace's or its creator's quota.

    The creator's quota covers every workspace they made, so making more workspaces does
    not make more room. Locks (user first, then workspace) serialise concurrent checks.
    """
    creator = await repository.creator_of(session, workspace_id)
    if creator is not None:
        await accounts_repository.lock_user(session, creator)
    await repository.lock_workspace(session, workspace_id)
    used = await repository.used_bytes(session, workspace_id)
    if used + size > files.workspace_quota_bytes:
        raise _invalid(
            "size",
            f"The workspace's storage quota of {files.workspace_quota_bytes} bytes would be "
            f"exceeded ({used} bytes in use); delete attachments to make room.",
            "quota_exceeded",
        )
    if creator is None:
        return
    used = await repository.used_bytes_of_creator(session, creator)
    if used + size > files.user_quota_bytes:
        raise _invalid(
            "size",
            f"The storage quota of {files.user_quota_bytes} bytes of the workspace's creator, "
            f"shared by every workspace they made, would be exceeded ({used} bytes in use); "
            "delete attachments to make room.",
            "user_quota_exceeded",
        )


async def create(
    session: AsyncSession,
    user: User,
    task: Task,
    body: AttachmentCreate,
    storage: Storage,
    files: StorageSettings,
) -> tuple[Attachment, UploadTicket]:
    """Record a pending attachment within the size limit and quota; its upload ticket."""
    if body.size > files.max_upload_bytes:
        raise _invalid(
            "size",
            f"The file is larger than the limit of {files.max_upload_bytes} bytes.",
            "too_large",
        )
    await _check_quotas(session, task.workspace_id, body.size, files)
    now = utcnow()
    attachment_id = new_id()
    key = f"{task.workspace_id}/{attachment_id}"
    ticket = storage.presign_upload(key, body.size, body.content_type, files.upload_url_ttl_seconds)
    attachment = Attachment(
        id=attachment_id,
        workspace_id=task.workspace_id,
        task_id=task.id,
        uploader_id=user.id,
        filename=body.filename,
        content_type=body.content_type,
        size=body.size,
        status=PENDING,
        storage_key=key,
        upload_expires_at=ticket.expires_at,
        created_at=now,
        updated_at=now,
        completed_at=None,
        version=1,
    )
    session.add(attachment)
    await session.flush()
    fields = {"task_id": task.id, "filename": body.filename, "size": body.size}
    _trail(session, user, attachment, "created", activity.snapshot(fields | {"status": PENDING}))
    return attachment, ticket


async def load(
    session: AsyncSession, user: User, attachment_id: str, minimum: Role
) -> tuple[Attachment, Role]:
    """An attachment the user may act on with `minimum` (404 if not a member, else 403)."""
    attachment = await repository.get_visible(session, attachment_id)
    if attachment is None:
        raise NotFound(MISSING)
    access = await require_project_role(
        session,
        user,
        attachment.workspace_id,
        None,
        minimum,
        task_id=attachment.task_id,
        missing=MISSING,
    )
    return attachment, access.role


async def _live_status(database: Database, key: str) -> str | None:
    # A session of its own, closed at once: no connection is held while the bytes stream.
    async with database.session() as session:
        return await repository.live_status_of_key(session, key)


async def check_upload_target(database: Database, key: str) -> None:
    """Before a local upload: 404 unless the key's attachment exists and waits for its
    bytes (a deleted attachment's URL stays validly signed until it expires), 409 if ready."""
    status = await _live_status(database, key)
    if status is None:
        raise NotFound("There is no such object: its attachment was deleted.")
    if status != PENDING:
        raise Conflict("An object was already uploaded with this URL.")


async def keep_upload(database: Database, key: str, storage: Storage) -> None:
    """After a local upload: an object whose attachment was deleted meanwhile is removed (404)."""
    if await _live_status(database, key) is None:
        await storage.delete(key)
        raise NotFound("There is no such object: its attachment was deleted.")


async def complete(
    session: AsyncSession, user: User, attachment: Attachment, storage: Storage
) -> Attachment:
    """Mark ready once the object exists with the declared size; ready ones are left as they are.

    An object of another size is deleted (so the upload can be retried) and 409 answered.
    """
    if attachment.status == READY:
        return attachment
    stored = await storage.stat(attachment.storage_key)
    if stored is None:
        raise Conflict("Nothing has been uploaded for this attachment yet.")
    if stored != attachment.size:
        await storage.delete(attachment.storage_key)
        raise Conflict(
            f"The uploaded object has {stored} bytes, not the declared {attachment.size}; "
            "it was discarded. Upload the file again."
        )
    now = utcnow()
    attachment.status, attachment.completed_at, attachment.updated_at = READY, now, now
    await session.flush()
    _trail(session, user, attachment, "updated", {"status": {"old": PENDING, "new": READY}})
    return attachment


async def delete(
    session: AsyncSession, user: User, attachment: Attachment, role: Role, storage: Storage
) -> None:
    """Delete: the uploader (while a member) or an admin. The object goes once this commits.

    The row stays as a tombstone until its upload URL expires; the cleanup job then deletes
    the object again (in case it was uploaded late) and the row.
    """
    own = attachment.uploader_id == user.id and role.at_least(Role.MEMBER)
    if not own and not role.at_least(Role.ADMIN):
        raise Forbidden("Only the uploader or an admin may delete an attachment.")
    fields = {"task_id": attachment.task_id, "filename": attachment.filename}
    _trail(
        session,
        user,
        attachment,
        "deleted",
        activity.removal(fields | {"status": attachment.status}),
    )
    attachment.status, attachment.updated_at = DELETED, utcnow()
    await session.flush()
    after_commit(session, functools.partial(storage.delete, attachment.storage_key))


def to_read(
    attachment: Attachment,
    storage: Storage,
    files: StorageSettings,
    ticket: UploadTicket | None = None,
) -> AttachmentRead:
    """The body of an attachment; its URLs are absolute, on SMARTTASK_PUBLIC_URL (never on
    the request's Host) or the object store's own address."""
    base_url = files.public_url + "/"
    read = AttachmentRead.model_validate(attachment, from_attributes=True)
    if attachment.status == READY:
        ttl = files.download_url_ttl_seconds
        url = storage.presign_download(
            attachment.storage_key, attachment.filename, attachment.content_type, ttl
        )
        read.download_url = urljoin(base_url, url)
        read.download_expires_at = (utcnow() + timedelta(seconds=ttl)).replace(microsecond=0)
    if ticket is not None:
        read.upload = UploadRead(
            method=ticket.method,
            url=urljoin(base_url, ticket.url),
            headers=ticket.headers,
            expires_at=ticket.expires_at,
        )
    return read
