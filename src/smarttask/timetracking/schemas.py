"""Time entry bodies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Self

from pydantic import ConfigDict, Field, model_validator

from smarttask.kit.days import midnight
from smarttask.kit.schemas import InputSchema, OutputSchema

Minutes = Annotated[int, Field(ge=1, le=1440)]
Note = Annotated[str, Field(max_length=500)]
MAX_SPAN = timedelta(hours=24)
EARLIEST = date(2000, 1, 1)


def check_interval(started_at: datetime, ended_at: datetime) -> None:
    """An interval ends after it starts, lasts at least a minute and at most 24 hours."""
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise ValueError("timestamps need a timezone (for example 2026-11-22T10:00:00Z)")
    if started_at < midnight(EARLIEST):
        raise ValueError("an entry starts on 2000-01-01 or later")
    if ended_at <= started_at:
        raise ValueError("ended_at must be after started_at")
    if ended_at - started_at > MAX_SPAN:
        raise ValueError("an entry lasts at most 24 hours")
    if ended_at - started_at < timedelta(minutes=1):
        raise ValueError("an entry lasts at least one minute")


def check_date(day: date) -> None:
    """A day no earlier than 2000-01-01."""
    if day < EARLIEST:
        raise ValueError("date must be 2000-01-01 or later")


# The type of the `date` fields (a field of that name hides the type in a class body).
Day = date


class TimeEntryCreate(InputSchema):
    """Time spent: `{started_at, ended_at}` or `{minutes, date}` (exactly one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"started_at": "2026-12-01T09:00:00Z", "ended_at": "2026-12-01T10:30:00Z"},
                {"minutes": 45, "date": "2026-12-01", "note": "review"},
            ]
        }
    )

    started_at: datetime | None = None
    ended_at: datetime | None = None
    minutes: Minutes | None = None
    date: Day | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        interval = self.started_at is not None or self.ended_at is not None
        duration = self.minutes is not None or self.date is not None
        if interval == duration:
            raise ValueError("give either started_at and ended_at, or minutes and date")
        if interval:
            if self.started_at is None or self.ended_at is None:
                raise ValueError("give both started_at and ended_at")
            check_interval(self.started_at, self.ended_at)
        else:
            if self.minutes is None or self.date is None:
                raise ValueError("give both minutes and date")
            check_date(self.date)
        return self


class TimeEntryUpdate(InputSchema):
    """A partial change, of the entry's own shape (an interval, or minutes on a day)."""

    started_at: datetime | None = None
    ended_at: datetime | None = None
    minutes: Minutes | None = None
    date: Day | None = None
    note: Note | None = None


class TimeEntryRead(OutputSchema):
    """A time entry; `running` while its timer runs (no `ended_at` nor `minutes` yet)."""

    id: str
    workspace_id: str
    project_id: str
    task_id: str
    user_id: str
    started_at: datetime | None
    ended_at: datetime | None
    minutes: int | None
    date: Day
    note: str | None
    running: bool
    created_at: datetime
    updated_at: datetime
    version: int
