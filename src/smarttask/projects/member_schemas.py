"""Project member bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from smarttask.kit.schemas import InputSchema, OutputSchema

UserId = Annotated[str, Field(min_length=1, max_length=64, description="a workspace member's id")]


class ProjectMemberAdd(InputSchema):
    """A member of the project's workspace to let into the project."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"user_id": "6f1c2a8e-7d0b-4a52-9b7e-3c1d5e8f9a10"}]}
    )

    user_id: UserId


class ProjectMemberRead(OutputSchema):
    """A project member: who they are and when they were added."""

    user_id: str
    name: str
    email: str | None
    added_at: datetime
