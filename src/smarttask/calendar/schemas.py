"""Calendar feed bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

from smarttask.kit.schemas import OutputSchema


class CalendarFeedCreated(OutputSchema):
    """A new feed: its secret URL, shown only in this answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"url": "https://tasks.example.com/calendar/9rT0x...Qk.ics"}]
        }
    )

    url: str


class CalendarFeedRead(OutputSchema):
    """Whether the caller's feed is on, since when and when a calendar app last fetched it
    (never its URL: that is shown only when it is created)."""

    active: bool
    created_at: datetime | None = None
    last_used_at: datetime | None = None
