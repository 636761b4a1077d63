"""Invitation bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.workspaces.roles import Role


class InvitationCreate(InputSchema):
    """Whom to invite by email, and with which role."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "grace@example.com", "role": "member"}]}
    )

    email: EmailStr = Field(max_length=320)
    role: Role = Role.MEMBER


class InvitationAccept(InputSchema):
    """The token of an invitation link."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "token-from-the-link"}]})

    token: Annotated[str, Field(min_length=1, max_length=200)]


class InvitationRead(OutputSchema):
    """A pending invitation."""

    id: str
    workspace_id: str
    email: str
    role: Role
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
