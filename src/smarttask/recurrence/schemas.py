"""A task's recurrence as clients write and read it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from typing_extensions import TypedDict

from smarttask.kit.schemas import InputSchema
from smarttask.recurrence.rules import MAX_RULE_LENGTH, RuleError, normalise

Origin = Literal["due", "completion"]


class RecurrenceWrite(InputSchema):
    """How a task repeats: an RFC 5545 RRULE, counted from the due date or the completion."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={"examples": [{"rrule": "FREQ=WEEKLY;BYDAY=MO", "from": "due"}]},
    )

    rrule: str = Field(min_length=1, max_length=MAX_RULE_LENGTH)
    from_: Origin = Field(default="due", alias="from")

    @field_validator("rrule")
    @classmethod
    def _valid_rule(cls, value: str) -> str:
        try:
            return normalise(value)
        except RuleError as error:
            raise ValueError(str(error)) from error


RecurrenceRead = TypedDict("RecurrenceRead", {"rrule": str, "from": Origin})
