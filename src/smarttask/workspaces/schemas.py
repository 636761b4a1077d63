"""Workspace and membership bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.workspaces.roles import Role

WorkspaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class WorkspaceCreate(InputSchema):
    """A new workspace."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Platform team"}]})

    name: WorkspaceName


class WorkspaceUpdate(InputSchema):
    """Changes to a workspace."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Platform"}]})

    name: WorkspaceName | None = None


class WorkspaceRead(OutputSchema):
    """A workspace, with the caller's role in it."""

    id: str
    name: str
    role: Role
    version: int
    created_at: datetime
    updated_at: datetime


class MemberAdd(InputSchema):
    """An existing user to add, with a role."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "grace@example.com", "role": "member"}]}
    )

    email: EmailStr = Field(max_length=320)
    role: Role = Role.MEMBER


class MemberUpdate(InputSchema):
    """A new role."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role


class MemberRead(OutputSchema):
    """A member of a workspace."""

    user_id: str
    email: str | None
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime
