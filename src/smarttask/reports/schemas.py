"""Saved-report bodies (contract §8)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from smarttask.analytics.schemas import ReportDefinition
from smarttask.analytics.service import MAX_DAYS
from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.workspaces.schemas import TimeZoneName

MAX_RECIPIENTS = 20
ReportName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TimeOfDay = Annotated[
    str,
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="local time, 24-hour HH:MM"),
]


class Visibility(StrEnum):
    """Who sees a report: its owner only, or every member of the workspace."""

    PRIVATE = "private"
    WORKSPACE = "workspace"


class Frequency(StrEnum):
    """How often a scheduled report runs: every day, every Monday, every 1st of the month."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class FileFormat(StrEnum):
    """The file a scheduled report is delivered as."""

    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


class DeliveryMethod(StrEnum):
    """How the file reaches the recipients: attached to a mail, or stored and linked."""

    MAIL = "mail"
    STORAGE = "storage"


def _distinct(addresses: list[str]) -> list[str]:
    """The addresses without repeats (compared case-insensitively), in their order."""
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.casefold() not in seen:
            seen.add(address.casefold())
            kept.append(address)
    return kept


Recipients = Annotated[
    list[Annotated[EmailStr, Field(max_length=320)]],
    Field(min_length=1, max_length=MAX_RECIPIENTS),
    AfterValidator(_distinct),
]


class ScheduleWrite(InputSchema):
    """When and how a report is delivered."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "frequency": "weekly",
                    "time": "08:00",
                    "timezone": "Europe/Paris",
                    "format": "xlsx",
                    "recipients": ["lead@example.com"],
                    "delivery": "mail",
                }
            ]
        }
    )

    frequency: Frequency
    time: TimeOfDay
    timezone: TimeZoneName
    format: FileFormat
    recipients: Recipients
    delivery: DeliveryMethod = DeliveryMethod.MAIL


def _check_range(definition: ReportDefinition | None) -> None:
    if definition is None or definition.from_ is None or definition.to is None:
        return
    if definition.from_ > definition.to:
        raise ValueError("`definition.from` must not be after `definition.to`.")
    if (definition.to - definition.from_).days >= MAX_DAYS:
        raise ValueError(f"A report's range covers at most {MAX_DAYS} days.")


_DEFINITION_EXAMPLE: dict[str, Any] = {
    "dimensions": ["week", "assignee"],
    "metrics": ["created", "completed"],
    "days": 28,
}


class ReportCreate(InputSchema):
    """A new saved report."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Weekly throughput",
                    "definition": _DEFINITION_EXAMPLE,
                    "visibility": "workspace",
                    "schedule": {
                        "frequency": "weekly",
                        "time": "08:00",
                        "timezone": "Europe/Paris",
                        "format": "xlsx",
                        "recipients": ["lead@example.com"],
                    },
                }
            ]
        }
    )

    name: ReportName
    definition: ReportDefinition
    visibility: Visibility = Visibility.PRIVATE
    schedule: ScheduleWrite | None = None

    @model_validator(mode="after")
    def _range(self) -> ReportCreate:
        _check_range(self.definition)
        return self


class ReportUpdate(InputSchema):
    """Changes to a saved report; `"schedule": null` removes its schedule."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Throughput by week", "schedule": None}]}
    )

    name: ReportName | None = None
    definition: ReportDefinition | None = None
    visibility: Visibility | None = None
    schedule: ScheduleWrite | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ReportUpdate:
        for field in ("name", "definition", "visibility"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"`{field}` cannot be null.")
        _check_range(self.definition)
        return self


class ScheduleRead(OutputSchema):
    """A report's schedule, when it runs next, and why it stopped if it did."""

    frequency: Frequency
    time: str
    timezone: str
    format: FileFormat
    recipients: list[str]
    delivery: DeliveryMethod
    next_run_at: datetime | None = Field(description="null once the schedule stopped")
    stopped_reason: str | None


class ReportRead(OutputSchema):
    """A saved report."""

    id: str
    workspace_id: str
    owner_id: str
    name: str
    definition: dict[str, Any]
    visibility: Visibility
    schedule: ScheduleRead | None
    version: int
    created_at: datetime
    updated_at: datetime


class DeliveryRead(OutputSchema):
    """One scheduled run of a report and how its delivery went."""

    id: str
    scheduled_for: datetime
    status: str = Field(description="pending, sent or failed")
    attempts: int
    error: str | None
    sent_at: datetime | None


class RunFormat(StrEnum):
    """What `/run` answers: the table as JSON, or a file."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"
