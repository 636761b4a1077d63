"""What the live calls answer: events as the polling call and the stream show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventRead(BaseModel):
    """One event: its number in the stream (`id`, which `after` takes), type, time, data."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The event's number in its stream, as text; pass it as `after`.")
    type: str = Field(examples=["task.updated"])
    created_at: datetime
    actor_id: str | None = Field(description="Who made the change; null for the system.")
    data: dict[str, Any]


class EventPage(BaseModel):
    """A page of a stream's events, oldest first."""

    items: list[EventRead]
    next_after: str = Field(
        description="Pass as `after` to get what follows (the number of the last event read)."
    )
