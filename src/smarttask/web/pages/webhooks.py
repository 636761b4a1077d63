"""A workspace's webhooks page (admins and owners): the list, the create form, and for each
webhook enabling, disabling, rotating its secret, deleting, and its delivery log with a
"Redeliver" button.

Every route goes through `webhooks.service` with the API's own schemas, so a page refuses
what the API refuses (a private address, an unknown event: shown beside the form); a
webhook of a workspace one does not administer is the 404 or 403 page like the API's. A
new secret is shown once, in the answer to the form that made it, never in a URL.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from smarttask.kit.pagination import Cursor
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.settings import Settings
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.layout import page
from smarttask.web.pages.workspaces.common import Short, WorkspaceId, access
from smarttask.web.signin import WebCaller
from smarttask.webhooks import service
from smarttask.webhooks.kinds import EventType
from smarttask.webhooks.models import Webhook
from smarttask.webhooks.schemas import WebhookCreate, WebhookUpdate
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role

router = APIRouter(include_in_schema=False)
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64)]
Events = Annotated[list[str], Form(max_length=20)]
PAGE_SIZE = 50
LOG_SIZE = 25
EVENT_TYPES = [event.value for event in EventType]
_SAVED = {
    "enabled": "The webhook is enabled.",
    "disabled": "The webhook is disabled; nothing is sent to it until you enable it.",
    "redelivered": "The delivery is queued again; reload to see its new attempt.",
    "deleted": "The webhook is deleted.",
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _list_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    found: WorkspaceAccess,
    *,
    cursor: str | None = None,
    values: dict[str, Any] | None = None,
    problem: ProblemError | None = None,
    new_secret: tuple[Webhook, str] | None = None,
    status: int = 200,
) -> Response:
    listed = await service.list_webhooks(session, found, cursor, PAGE_SIZE)
    saved = request.query_params.get("saved", "")
    context = {
        "workspace": found.workspace,
        "webhooks": listed,
        "cursor": cursor,
        "event_types": EVENT_TYPES,
        "values": values or {"url": "", "events": []},
        "errors": forms.field_errors(problem) if problem else {},
        "error": problem.detail if problem else None,
        "new_secret": new_secret,
        "notice": _SAVED.get(saved),
    }
    return await page(
        request,
        session,
        caller,
        "webhooks/list.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/workspaces/{workspace_id}/webhooks")
async def webhooks_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    cursor: Cursor = None,
) -> Response:
    """The workspace's webhooks and the form that adds one (admins and owners)."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    return await _list_page(request, session, caller, found, cursor=cursor)


@router.post("/workspaces/{workspace_id}/webhooks")
async def create_webhook(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    workspace_id: WorkspaceId,
    url: Short = "",
    events: Events = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Add a webhook; the answer shows its secret, once."""
    found = await access(session, caller, workspace_id, Role.ADMIN)
    values = {"url": url, "events": events}
    try:
        body = forms.parse(WebhookCreate, values)
        webhook, secret = await service.create(session, found, body, _settings(request))
    except ProblemError as problem:
        if problem.status != 422:
            raise
        return await _list_page(
            request, session, caller, found, values=values, problem=problem, status=422
        )
    return await _list_page(request, session, caller, found, new_secret=(webhook, secret))


async def _detail_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    webhook: Webhook,
    found: WorkspaceAccess,
    *,
    cursor: str | None = None,
    new_secret: str | None = None,
    problem: ProblemError | None = None,
    status: int = 200,
) -> Response:
    log = await service.list_deliveries(session, webhook, cursor, LOG_SIZE)
    saved = request.query_params.get("saved", "")
    context = {
        "workspace": found.workspace,
        "webhook": service.to_read(webhook),
        "deliveries": log,
        "cursor": cursor,
        "new_secret": new_secret,
        "notice": _SAVED.get(saved),
        "error": problem.detail if problem else None,
    }
    return await page(
        request,
        session,
        caller,
        "webhooks/detail.html",
        context,
        workspace_id=found.workspace.id,
        status=status,
    )


@router.get("/webhooks/{webhook_id}")
async def webhook_page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    webhook_id: WebhookId,
    cursor: Cursor = None,
) -> Response:
    """One webhook and its delivery log, newest first."""
    webhook, found = await service.open_webhook(session, caller.user, webhook_id)
    return await _detail_page(request, session, caller, webhook, found, cursor=cursor)


async def _set_enabled(
    request: Request, session: AsyncSession, caller: WebCaller, webhook_id: str, enabled: bool
) -> Response:
    webhook = await service.load(session, caller.user, webhook_id)
    body = forms.parse(WebhookUpdate, {"enabled": enabled})
    await service.update(session, webhook, body, _settings(request))
    saved = "enabled" if enabled else "disabled"
    return RedirectResponse(f"/webhooks/{webhook_id}?saved={saved}", status_code=303)


@router.post("/webhooks/{webhook_id}/enable")
async def enable_webhook(
    request: Request, session: SessionDep, caller: PageCaller, webhook_id: WebhookId
) -> Response:
    """Enable the webhook (its failure state is cleared)."""
    return await _set_enabled(request, session, caller, webhook_id, True)


@router.post("/webhooks/{webhook_id}/disable")
async def disable_webhook(
    request: Request, session: SessionDep, caller: PageCaller, webhook_id: WebhookId
) -> Response:
    """Disable the webhook (deliveries waiting for a retry are canceled)."""
    return await _set_enabled(request, session, caller, webhook_id, False)


@router.post("/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(
    request: Request, session: SessionDep, caller: PageCaller, webhook_id: WebhookId
) -> Response:
    """A new secret, shown once; the previous one keeps signing for 24 hours."""
    webhook, found = await service.open_webhook(session, caller.user, webhook_id)
    secret = await service.rotate_secret(session, webhook, _settings(request))
    return await _detail_page(request, session, caller, webhook, found, new_secret=secret)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
) -> Response:
    """Send a delivery again now."""
    webhook, found = await service.open_webhook(session, caller.user, webhook_id)
    try:
        await service.redeliver(session, webhook, delivery_id)
    except ProblemError as problem:
        if problem.status != 409:
            raise
        return await _detail_page(
            request, session, caller, webhook, found, problem=problem, status=409
        )
    return RedirectResponse(f"/webhooks/{webhook_id}?saved=redelivered", status_code=303)


@router.get("/webhooks/{webhook_id}/delete")
async def confirm_delete(
    request: Request, session: SessionDep, caller: PageCaller, webhook_id: WebhookId
) -> Response:
    """Ask to confirm deleting the webhook."""
    webhook, found = await service.open_webhook(session, caller.user, webhook_id)
    context = {"workspace": found.workspace, "webhook": service.to_read(webhook)}
    return await page(
        request, session, caller, "webhooks/delete.html", context, workspace_id=found.workspace.id
    )


@router.post("/webhooks/{webhook_id}/delete")
async def delete_webhook(
    session: SessionDep, caller: PageCaller, webhook_id: WebhookId
) -> Response:
    """Delete the webhook and its delivery log; back to the workspace's webhooks."""
    webhook, found = await service.open_webhook(session, caller.user, webhook_id)
    await service.delete(session, webhook)
    return RedirectResponse(
        f"/workspaces/{found.workspace.id}/webhooks?saved=deleted", status_code=303
    )
