"""Activity bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smarttask.kit.schemas import OutputSchema


class ActivityRead(OutputSchema):
    """One entry of the audit trail."""

    id: str
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]
    request_id: str | None
    created_at: datetime
