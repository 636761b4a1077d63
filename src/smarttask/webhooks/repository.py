"""All SQL of webhooks and their deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.dialect import upsert
from smarttask.db.engine import rows_for_ids
from smarttask.webhooks.models import CANCELED, ENDED, WAITING, Webhook, WebhookDelivery

# How fresh a webhook's `last_success_at` is kept (see mark_success).
SUCCESS_GRANULARITY = timedelta(minutes=1)


async def get(session: AsyncSession, webhook_id: str) -> Webhook | None:
    """A webhook by id."""
    return await session.get(Webhook, webhook_id)


async def list_for_workspace(
    session: AsyncSession, workspace_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[Webhook]:
    """A workspace's webhooks, oldest first, after a keyset position."""
    statement = (
        select(Webhook)
        .where(Webhook.workspace_id == workspace_id)
        .order_by(Webhook.created_at, Webhook.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(Webhook.created_at, Webhook.id) > tuple_(*after))
    return list((await session.scalars(statement)).all())


@dataclass(frozen=True, slots=True)
class Subscriber:
    """What the reactions need of an enabled webhook."""

    id: str
    workspace_id: str
    events: list[str]
    created_by: str | None


# Every write with events runs it, inside its transaction; one workspace (the usual case)
# on the transaction's reader (db/engine.py `rows_for_ids`), without the ORM's loading.
_ENABLED = select(Webhook.id, Webhook.workspace_id, Webhook.events, Webhook.created_by).where(
    Webhook.enabled.is_(True)
)
_ENABLED_IN_ONE = _ENABLED.where(Webhook.workspace_id == bindparam("id")).order_by(Webhook.id)
_ENABLED_IN_MANY = _ENABLED.where(
    Webhook.workspace_id.in_(bindparam("ids", expanding=True))
).order_by(Webhook.id)


async def enabled_in(session: AsyncSession, workspace_ids: list[str]) -> list[Subscriber]:
    """The enabled webhooks of these workspaces (one statement)."""
    rows = await rows_for_ids(session, workspace_ids, one=_ENABLED_IN_ONE, many=_ENABLED_IN_MANY)
    return [
        Subscriber(
            id=row["id"],
            workspace_id=row["workspace_id"],
            # PostgreSQL's reader hands JSON over as its text.
            events=orjson.loads(row["events"])
            if isinstance(row["events"], str | bytes)
            else row["events"],
            created_by=row["created_by"],
        )
        for row in rows
    ]


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> list[str]:
    """Add deliveries (one per event and webhook, never twice); the ids actually added."""
    if not rows:
        return []
    statement = (
        upsert(session, WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    return list((await session.scalars(statement)).all())


async def get_delivery(session: AsyncSession, delivery_id: str) -> WebhookDelivery | None:
    """A delivery by id."""
    return await session.get(WebhookDelivery, delivery_id)


async def list_deliveries(
    session: AsyncSession, webhook_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first, after a keyset position."""
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if after is not None:
        position = tuple_(WebhookDelivery.created_at, WebhookDelivery.id)
        statement = statement.where(position < tuple_(*after))
    return list((await session.scalars(statement)).all())


async def settle_attempt(
    session: AsyncSession, delivery_id: str, token: str, values: dict[str, Any]
) -> bool:
    """Write an attempt's outcome if the delivery still belongs to the job holding `token`."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def cancel_waiting(session: AsyncSession, webhook_id: str, reason: str) -> None:
    """Cancel the deliveries of a webhook still waiting for an attempt."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status.in_(WAITING))
        .values(status=CANCELED, next_attempt_at=None, error=reason)
        .execution_options(synchronize_session=False)
    )


async def remove(session: AsyncSession, webhook_id: str) -> None:
    """Delete a webhook and its deliveries."""
    await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Webhook).where(Webhook.id == webhook_id).execution_options(synchronize_session=False)
    )


async def mark_success(session: AsyncSession, webhook_id: str, now: datetime) -> None:
    """Note a successful attempt: the webhook is no longer failing (its version unchanged).

    Written only when it changes something a reader notices (failing state, or a last
    success older than a minute): a busy webhook's row is not a hot spot for every delivery.
    """
    await session.execute(
        update(Webhook)
        .where(
            Webhook.id == webhook_id,
            or_(
                Webhook.failing_since.is_not(None),
                Webhook.last_success_at.is_(None),
                Webhook.last_success_at < now - SUCCESS_GRANULARITY,
            ),
        )
        .values(last_success_at=now, failing_since=None)
        .execution_options(synchronize_session=False)
    )


async def mark_failing(session: AsyncSession, webhook_id: str, now: datetime) -> None:
    """Note the first failed attempt since the last success (its version unchanged)."""
    await session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.failing_since.is_(None))
        .values(failing_since=now)
        .execution_options(synchronize_session=False)
    )


async def prune_deliveries(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete at most `limit` ended deliveries created before `before`, oldest first; how
    many went (one still waiting for an attempt stays, however old)."""
    doomed = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.created_at < before, WebhookDelivery.status.in_(ENDED))
        .order_by(WebhookDelivery.created_at)
        .limit(limit)
    )
    result = await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(doomed)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
