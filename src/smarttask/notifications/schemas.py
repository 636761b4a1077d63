"""Notification bodies: inbox items, watching, preferences."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.notifications.kinds import EmailMode, Kind


class NotificationRead(OutputSchema):
    """One inbox item."""

    id: str
    type: Kind
    workspace_id: str
    task_id: str | None
    actor_id: str | None
    summary: str
    created_at: datetime
    read_at: datetime | None


class ReadAll(OutputSchema):
    """What marking everything read did."""

    marked: int = Field(description="items that were unread")
    unread: int = Field(description="unread items now (0)")


class WatchRead(OutputSchema):
    """Whether the caller watches a task."""

    task_id: str
    watching: bool


class PreferenceRead(OutputSchema):
    """One type's preference."""

    in_app: bool
    email: EmailMode


class PreferenceUpdate(InputSchema):
    """One type's preference, as set."""

    in_app: bool
    email: EmailMode


class PreferencesRead(OutputSchema):
    """Every type's preference (a type never set has its default)."""

    preferences: dict[Kind, PreferenceRead]


class PreferencesUpdate(InputSchema):
    """New preferences for some types; the types left out keep theirs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "preferences": {
                        "comment_added": {"in_app": True, "email": "off"},
                        "status_changed": {"in_app": False, "email": "daily"},
                    }
                }
            ]
        }
    )

    preferences: dict[Kind, PreferenceUpdate] = Field(max_length=len(Kind))
