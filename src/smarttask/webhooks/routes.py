"""Webhook endpoints (contract §9; docs/webhooks.md): thin routes over webhooks/service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts.deps import CurrentUser
from smarttask.kit.deps import SettingsDep
from smarttask.kit.etag import IfMatch, check_if_match, etag
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.session import SessionDep
from smarttask.webhooks import service
from smarttask.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)
from smarttask.workspaces.deps import WorkspaceAdmin

router = APIRouter(tags=["webhooks"])
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64)]
_ERRORS = (401, 403, 404, 503)


def _with_secret(webhook: WebhookRead, secret: str) -> WebhookWithSecret:
    return WebhookWithSecret(**webhook.model_dump(), secret=secret)


@router.post(
    "/workspaces/{workspace_id}/webhooks",
    status_code=201,
    response_model=WebhookWithSecret,
    responses=problems(*_ERRORS, 413, 415, 422),
)
async def create_webhook(
    body: WebhookCreate,
    access: WorkspaceAdmin,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookWithSecret:
    """Add a webhook (admins and owners); its signing secret is in this answer only."""
    webhook, secret = await service.create(session, access, body, settings)
    response.headers["ETag"] = etag(webhook.version)
    response.headers["Location"] = f"/api/v1/webhooks/{webhook.id}"
    return _with_secret(service.to_read(webhook), secret)


@router.get(
    "/workspaces/{workspace_id}/webhooks",
    response_model=Page[WebhookRead],
    responses=problems(*_ERRORS, 422),
)
async def list_webhooks(
    access: WorkspaceAdmin, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[WebhookRead]:
    """The workspace's webhooks, oldest first (admins and owners)."""
    return await service.list_webhooks(session, access, cursor, limit)


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead, responses=problems(*_ERRORS))
async def read_webhook(
    webhook_id: WebhookId, user: CurrentUser, session: SessionDep, response: Response
) -> WebhookRead:
    """One webhook, without its secret."""
    webhook = await service.load(session, user, webhook_id)
    response.headers["ETag"] = etag(webhook.version)
    return service.to_read(webhook)


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookRead,
    responses=problems(*_ERRORS, 412, 413, 415, 422),
)
async def update_webhook(
    webhook_id: WebhookId,
    body: WebhookUpdate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookRead:
    """Change the URL, the events or `enabled` (re-enabling clears the failure state)."""
    webhook = await service.load(session, user, webhook_id)
    check_if_match(if_match, webhook.version)
    webhook = await service.update(session, webhook, body, settings)
    response.headers["ETag"] = etag(webhook.version)
    return service.to_read(webhook)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_ERRORS, 412),
)
async def delete_webhook(
    webhook_id: WebhookId, user: CurrentUser, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a webhook and its delivery log; pending deliveries stop."""
    webhook = await service.load(session, user, webhook_id)
    check_if_match(if_match, webhook.version)
    await service.delete(session, webhook)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    responses=problems(*_ERRORS),
)
async def rotate_secret(
    webhook_id: WebhookId,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookWithSecret:
    """A new signing secret, shown once; the previous one also signs for 24 hours."""
    webhook = await service.load(session, user, webhook_id)
    secret = await service.rotate_secret(session, webhook, settings)
    response.headers["ETag"] = etag(webhook.version)
    return _with_secret(service.to_read(webhook), secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=problems(*_ERRORS, 422),
)
async def list_deliveries(
    webhook_id: WebhookId,
    user: CurrentUser,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """The webhook's deliveries, newest first."""
    webhook = await service.load(session, user, webhook_id)
    return await service.list_deliveries(session, webhook, cursor, limit)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
    responses=problems(*_ERRORS, 409),
)
async def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, user: CurrentUser, session: SessionDep
) -> DeliveryRead:
    """Send a delivery again now, even a dead one (a new attempt, same `webhook-id`)."""
    webhook = await service.load(session, user, webhook_id)
    delivery = await service.redeliver(session, webhook, delivery_id)
    return service.delivery_read(delivery)
