"""Counter bodies."""

from __future__ import annotations

from datetime import datetime

from smarttask.kit.schemas import OutputSchema

NAME_PATTERN = r"^[a-z0-9._-]{1,64}$"


class CounterRead(OutputSchema):
    """A counter as clients see it."""

    name: str
    value: int
    created_at: datetime
    updated_at: datetime
