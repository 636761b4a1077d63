"""Webhook deliveries written in the transaction of the change that caused them.

For every event of the transaction and every enabled webhook of its workspace subscribed
to its type: one delivery row holding the exact body to send, and one job that sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import new_id, utcnow
from smarttask.events.outbox import Published
from smarttask.webhooks import repository, service
from smarttask.webhooks.models import PENDING
from smarttask.webhooks.schemas import EventType

SUBSCRIBABLE = frozenset(event.value for event in EventType)


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def body_of(event: Published) -> str:
    """The JSON body of an event's deliveries: `{type, timestamp, data}`."""
    payload = {"type": event.type, "timestamp": _timestamp(event.created_at), "data": event.data}
    return orjson.dumps(payload).decode()


async def react(session: AsyncSession, events: Sequence[Published]) -> None:
    """Write a delivery and queue its job per (event, subscribed enabled webhook)."""
    relevant = [e for e in events if e.type in SUBSCRIBABLE and e.workspace_id is not None]
    if not relevant:
        return
    workspace_ids = sorted({e.workspace_id for e in relevant if e.workspace_id is not None})
    webhooks = await repository.enabled_in(session, workspace_ids)
    if not webhooks:
        return
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for event in relevant:
        body = None
        for webhook in webhooks:
            if webhook.workspace_id != event.workspace_id or event.type not in webhook.events:
                continue
            body = body or body_of(event)
            rows.append(
                {
                    "id": new_id(),
                    "webhook_id": webhook.id,
                    "workspace_id": webhook.workspace_id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "body": body,
                    "status": PENDING,
                    "attempts": 0,
                    "token": new_id(),
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    added = set(await repository.insert_deliveries(session, rows))
    for row in rows:
        if row["id"] in added:
            await service.schedule_attempt(session, str(row["id"]), str(row["token"]), now)
