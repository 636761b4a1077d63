"""Webhook bodies (contract §9)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.webhooks.kinds import EventType

MAX_URL_LENGTH = 2048
WebhookURL = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH),
    Field(description="http:// or https:// URL that resolves to public addresses only"),
]


def _distinct(types: list[EventType]) -> list[EventType]:
    """The event types without repeats, in their order."""
    return list(dict.fromkeys(types))


EventTypes = Annotated[
    list[EventType], Field(min_length=1, max_length=len(EventType)), AfterValidator(_distinct)
]


class WebhookCreate(InputSchema):
    """A new webhook: where to send, and which events."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"url": "https://example.com/hooks/smarttask", "events": ["task.created"]}]
        }
    )

    url: WebhookURL
    events: EventTypes


class WebhookUpdate(InputSchema):
    """A change to a webhook; `enabled: true` also clears its failure state."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    url: WebhookURL | None = None
    events: EventTypes | None = None
    enabled: bool | None = None


class WebhookRead(OutputSchema):
    """A webhook (its secret is never shown again after creation or rotation)."""

    id: str
    workspace_id: str
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    previous_secret_expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookRead):
    """A webhook just created, or whose secret was just rotated: the secret, shown once."""

    secret: str


class DeliveryRead(OutputSchema):
    """One event sent to a webhook: its status, attempts and the last answer."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    response_status: int | None
    response_excerpt: str | None
    error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    succeeded_at: datetime | None
    created_at: datetime
