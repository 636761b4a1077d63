"""Workspace and membership bodies."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, ConfigDict, EmailStr, Field, StringConstraints

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.workspaces.roles import Role

WorkspaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name known here, sorted."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(time_zones())


def _known_zone(name: str) -> str:
    if name not in _zone_names():
        raise ValueError("Use an IANA time zone name, such as Europe/Paris or UTC.")
    return name


TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_zone)
]


class WorkspaceCreate(InputSchema):
    """A new workspace."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Platform team", "timezone": "Europe/Paris"}]}
    )

    name: WorkspaceName
    timezone: TimeZoneName = Field(default="UTC", description="analytics count days in it")


class WorkspaceUpdate(InputSchema):
    """Changes to a workspace."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Platform"}]})

    name: WorkspaceName | None = None
    timezone: TimeZoneName | None = Field(
        default=None, description="changing it recounts the workspace's analytics in the new zone"
    )


class WorkspaceRead(OutputSchema):
    """A workspace, with the caller's role in it."""

    id: str
    name: str
    timezone: str
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
