"""Comment bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class CommentCreate(InputSchema):
    """A new comment."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Looks good to me."}]})

    body: Body


class CommentUpdate(InputSchema):
    """A corrected comment."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"body": "Looks good to me, once the tests pass."}]}
    )

    body: Body


class CommentRead(OutputSchema):
    """A comment."""

    id: str
    task_id: str
    author_id: str | None
    body: str
    version: int
    created_at: datetime
    updated_at: datetime
