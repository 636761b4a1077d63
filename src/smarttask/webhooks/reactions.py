"""Webhook deliveries written in the transaction of the change that caused them.

For every event of the transaction and every enabled webhook of its workspace subscribed
to its type: one delivery row holding the exact body to send, and one job that sends it.

Private projects (docs/webhooks.md): a webhook receives the events of a private project
only while the person who created it can see that project when the event happens (a
project member, or an admin or owner of the workspace: workspaces/access.py's rule). A
webhook whose creator left the workspace, was disabled or deleted gets no private
project's events; events of other projects and of the workspace go out as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import new_id, utcnow
from smarttask.events.outbox import Published
from smarttask.webhooks import repository
from smarttask.webhooks.kinds import EventType
from smarttask.webhooks.models import PENDING
from smarttask.webhooks.repository import Subscriber

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
    hidden = await _hidden_from_creators(session, webhooks, relevant)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for event in relevant:
        body = None
        for webhook in webhooks:
            if webhook.workspace_id != event.workspace_id or event.type not in webhook.events:
                continue
            if event.project_id is not None and event.project_id in hidden[webhook.id]:
                continue  # a private project its creator cannot see
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
    # Imported once a workspace has webhooks: most writes stop at the query above.
    from smarttask.webhooks import service

    added = set(await repository.insert_deliveries(session, rows))
    for row in rows:
        if row["id"] in added:
            await service.schedule_attempt(session, str(row["id"]), str(row["token"]), now)


async def _hidden_from_creators(
    session: AsyncSession, webhooks: Sequence[Subscriber], events: Sequence[Published]
) -> dict[str, frozenset[str]]:
    """For each webhook, the private projects of the events that its creator cannot see now
    (all of them when the creator is gone, disabled or no longer a member)."""
    from smarttask.notifications import repository as people
    from smarttask.notifications import visibility

    hidden: dict[str, frozenset[str]] = {webhook.id: frozenset() for webhook in webhooks}
    for workspace_id in sorted({webhook.workspace_id for webhook in webhooks}):
        projects = {e.project_id for e in events if e.workspace_id == workspace_id}
        if not any(projects):
            continue
        hooks = [webhook for webhook in webhooks if webhook.workspace_id == workspace_id]
        creators = {hook.created_by for hook in hooks if hook.created_by is not None}
        found = await people.people(session, workspace_id, creators)
        roles: dict[str, str | None] = {
            person.id: person.role if person.active else None for person in found
        }
        roles[""] = None  # who stands for a creator no longer there: sees no private project
        sight = await visibility.hidden_projects(session, workspace_id, roles, projects)
        for hook in hooks:
            hidden[hook.id] = sight.get(hook.created_by or "", sight[""])
    return hidden
