"""Project bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProjectKey = Annotated[
    str, Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$", description="2-10 of [A-Z0-9], a letter first")
]
Description = Annotated[str, Field(max_length=10_000)]
# `workspace`: every member of the workspace sees the project; `private`: only its project
# members and the workspace's admins and owners do (docs/api.md, Private projects).
Visibility = Literal["workspace", "private"]


class ProjectCreate(InputSchema):
    """A new project."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Website", "key": "WEB", "description": "The public site"}]
        }
    )

    name: ProjectName
    key: ProjectKey
    description: Description | None = None
    visibility: Visibility = "workspace"


class ProjectUpdate(InputSchema):
    """Changes to a project (its key is permanent: task keys are built from it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"description": "The public site and its blog"}]}
    )

    name: ProjectName | None = None
    description: Description | None = None
    visibility: Visibility | None = None


class ProjectRead(OutputSchema):
    """A project."""

    id: str
    workspace_id: str
    key: str
    name: str
    description: str | None
    visibility: Visibility
    version: int
    created_at: datetime
    updated_at: datetime
