"""Custom field bodies (contract §11, custom fields)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema

MAX_FIELDS = 50  # per workspace
MAX_OPTIONS = 100  # per select field
FieldName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OptionName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
# A task's `fields` on writes: field id -> value (null clears it), checked by type.
FieldValues = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Any],
    Field(max_length=MAX_FIELDS),
]


class FieldType(StrEnum):
    """What a custom field holds."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    USER = "user"
    CHECKBOX = "checkbox"
    URL = "url"


class OptionIn(InputSchema):
    """An option of a select field; with `id` (on a change) it keeps an existing option."""

    id: str | None = Field(default=None, min_length=1, max_length=36)
    name: OptionName
    color: Color | None = None


Options = Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)]


class FieldCreate(InputSchema):
    """A new custom field; `options` only for select and multi_select."""

    name: FieldName
    type: FieldType
    options: Options | None = None


class FieldUpdate(InputSchema):
    """Rename a field or replace its options (options left out are removed from tasks)."""

    name: FieldName | None = None
    options: Options | None = None


class OptionRead(OutputSchema):
    """An option of a select field."""

    id: str
    name: str
    color: str | None = None


class FieldRead(OutputSchema):
    """A custom field of a workspace's tasks."""

    id: str
    workspace_id: str
    name: str
    type: FieldType
    options: list[OptionRead]
    version: int
    created_at: datetime
    updated_at: datetime
