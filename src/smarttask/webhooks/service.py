"""Webhook rules: admins and owners manage a workspace's webhooks; every URL must reach a
public address (webhooks/targets.py); secrets are shown once and kept encrypted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.accounts.models import User
from smarttask.db.types import new_id, utcnow
from smarttask.events import outbox
from smarttask.jobs.queue import enqueue
from smarttask.kit.pagination import Page, by_creation, created_cursor, created_keyset, fetch_page
from smarttask.kit.problems import Conflict, NotFound, ValidationFailed
from smarttask.settings import Settings
from smarttask.webhooks import repository, secrets, targets
from smarttask.webhooks.models import PENDING, Webhook, WebhookDelivery
from smarttask.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookRead, WebhookUpdate
from smarttask.workspaces.access import WorkspaceAccess, require_role
from smarttask.workspaces.roles import Role

MISSING = "There is no such webhook."
MISSING_DELIVERY = "There is no such delivery of this webhook."
DELIVER = "webhooks.deliver"
# How long the previous secret keeps signing beside the new one after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
DISABLED_EVENT = "webhook.disabled"


def to_read(webhook: Webhook) -> WebhookRead:
    """The body of a webhook, without its secret."""
    return WebhookRead.model_validate(webhook)


def signing_keys(settings: Settings) -> tuple[str, ...]:
    """The server keys that may decrypt stored secrets: the current one first."""
    auth = settings.auth
    return (auth.secret_key, *auth.previous_secret_keys)


async def _checked_url(url: str, settings: Settings) -> str:
    """The URL if it may receive webhooks now; a 422 problem on `url` otherwise."""
    try:
        await targets.check(url, allow_private=settings.webhook_allow_private)
    except targets.TargetRefused as refused:
        message = str(refused)
        raise ValidationFailed(
            message, errors=[{"loc": ["body", "url"], "msg": message, "type": "url_refused"}]
        ) from refused
    return url


async def create(
    session: AsyncSession, access: WorkspaceAccess, body: WebhookCreate, settings: Settings
) -> tuple[Webhook, str]:
    """Add a webhook to the workspace (admins and owners); it and its secret in clear."""
    url = await _checked_url(body.url, settings)
    secret = secrets.new_secret()
    now = utcnow()
    webhook = Webhook(
        id=new_id(),
        workspace_id=access.workspace.id,
        created_by=access.user.id,
        url=url,
        events=[event.value for event in body.events],
        enabled=True,
        secret=secrets.encrypt(secret, settings.auth.secret_key),
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    await session.flush()
    return webhook, secret


async def open_webhook(
    session: AsyncSession, user: User, webhook_id: str
) -> tuple[Webhook, WorkspaceAccess]:
    """A webhook the caller administers and their access: 404 outside their workspaces."""
    webhook = await repository.get(session, webhook_id)
    if webhook is None:
        raise NotFound(MISSING)
    access = await require_role(session, user, webhook.workspace_id, Role.ADMIN, missing=MISSING)
    return webhook, access


async def load(session: AsyncSession, user: User, webhook_id: str) -> Webhook:
    """A webhook the caller administers: 404 if it is not in one of their workspaces."""
    return (await open_webhook(session, user, webhook_id))[0]


async def list_webhooks(
    session: AsyncSession, access: WorkspaceAccess, cursor: str | None, limit: int
) -> Page[WebhookRead]:
    """The workspace's webhooks, oldest first (admins and owners)."""
    workspace_id = access.workspace.id

    async def fetch(after: tuple[datetime, str] | None, size: int) -> list[Webhook]:
        return await repository.list_for_workspace(session, workspace_id, after=after, limit=size)

    rows = await fetch_page(created_keyset(cursor), limit, fetch, by_creation)
    return rows.read(to_read)


async def update(
    session: AsyncSession, webhook: Webhook, body: WebhookUpdate, settings: Settings
) -> Webhook:
    """Change a webhook's URL, events or state; re-enabling clears its failure state."""
    changes = body.model_fields_set
    if "url" in changes and body.url is not None and body.url != webhook.url:
        webhook.url = await _checked_url(body.url, settings)
    if "events" in changes and body.events is not None:
        webhook.events = [event.value for event in body.events]
    if "enabled" in changes and body.enabled is not None and body.enabled != webhook.enabled:
        webhook.enabled = body.enabled
        if body.enabled:
            webhook.disabled_reason = None
            webhook.failing_since = None
        else:
            webhook.disabled_reason = "Disabled by an administrator."
            await repository.cancel_waiting(session, webhook.id, "The webhook was disabled.")
    if session.is_modified(webhook):
        webhook.updated_at = utcnow()
        await session.flush()
    return webhook


async def delete(session: AsyncSession, webhook: Webhook) -> None:
    """Delete a webhook; its pending deliveries stop (their jobs find nothing to send)."""
    await repository.remove(session, webhook.id)
    session.expunge(webhook)


async def rotate_secret(session: AsyncSession, webhook: Webhook, settings: Settings) -> str:
    """A new secret; the previous one keeps signing beside it for 24 hours."""
    now = utcnow()
    secret = secrets.new_secret()
    webhook.previous_secret = webhook.secret
    webhook.previous_secret_expires_at = now + ROTATION_OVERLAP
    webhook.secret = secrets.encrypt(secret, settings.auth.secret_key)
    webhook.updated_at = now
    await session.flush()
    return secret


def delivery_read(delivery: WebhookDelivery) -> DeliveryRead:
    """The body of a delivery."""
    return DeliveryRead.model_validate(delivery)


async def list_deliveries(
    session: AsyncSession, webhook: Webhook, cursor: str | None, limit: int
) -> Page[DeliveryRead]:
    """A webhook's deliveries, newest first."""

    async def fetch(after: tuple[datetime, str] | None, size: int) -> list[WebhookDelivery]:
        return await repository.list_deliveries(session, webhook.id, after=after, limit=size)

    def cursor_of(delivery: WebhookDelivery) -> str:
        return created_cursor(delivery.created_at, delivery.id, "desc")

    rows = await fetch_page(created_keyset(cursor, "desc"), limit, fetch, cursor_of)
    return rows.read(delivery_read)


async def schedule_attempt(
    session: AsyncSession, delivery_id: str, token: str, run_at: datetime | None = None
) -> None:
    """Queue the job that makes a delivery's next attempt (the holder of `token`)."""
    await enqueue(
        session,
        DELIVER,
        {"delivery_id": delivery_id, "token": token},
        run_at=run_at,
        dedupe_key=f"{DELIVER}:{delivery_id}:{token}",
    )


async def redeliver(session: AsyncSession, webhook: Webhook, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again now, whatever its status (the webhook must be enabled)."""
    delivery = await repository.get_delivery(session, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(MISSING_DELIVERY)
    if not webhook.enabled:
        raise Conflict("The webhook is disabled; enable it before redelivering.")
    now = utcnow()
    delivery.token = new_id()
    delivery.status = PENDING
    delivery.next_attempt_at = now
    await session.flush()
    await schedule_attempt(session, delivery.id, delivery.token, now)
    return delivery


async def disable_for_failures(session: AsyncSession, webhook_id: str, reason: str) -> None:
    """Disable a webhook whose attempts keep failing, and publish `webhook.disabled`."""
    webhook = await repository.get(session, webhook_id)
    if webhook is None or not webhook.enabled:
        return
    webhook.enabled = False
    webhook.disabled_reason = reason
    webhook.updated_at = utcnow()
    await repository.cancel_waiting(session, webhook.id, "The webhook was disabled.")
    await session.flush()
    outbox.emit(
        session,
        DISABLED_EVENT,
        {"webhook": {"id": webhook.id, "url": webhook.url, "reason": reason}},
        workspace_id=webhook.workspace_id,
    )
