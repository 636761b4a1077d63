"""The security log's filters and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from smarttask.kit.schemas import InputSchema, OutputSchema
from smarttask.securitylog.repository import Filters

# An event's name: dotted lower-case words (`login.failed`, `member.role_changed`).
EVENT_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
MAX_EVENT_NAME = 64
RANGE_ERROR = "`from` must not be later than `to`"
# What the application records (docs/security.md lists what each one says).
KNOWN_EVENTS = (
    "login.succeeded",
    "login.failed",
    "login.locked",
    "refresh.reused",
    "reauth.failed",
    "password.changed",
    "password.reset",
    "email.changed",
    "totp.enabled",
    "totp.disabled",
    "token.created",
    "token.revoked",
    "user.disabled",
    "user.enabled",
    "user.admin_granted",
    "user.admin_revoked",
    "user.deleted",
    "member.added",
    "member.role_changed",
    "member.removed",
)


class SecurityEventRead(OutputSchema):
    """One security event: what happened, who did it to whom, from where, and when."""

    id: str
    event: str
    # The account that acted (null: none known, e.g. a sign-in with an unknown email).
    actor_id: str | None
    # The account acted on (null when there is none).
    target_id: str | None
    ip: str | None
    user_agent: str | None
    # What else the event says; never a password, token, code or secret.
    details: dict[str, Any]
    created_at: datetime


class SecurityLogQuery(InputSchema):
    """The filters of the security log (the page's form; the API takes the same as query
    parameters): each optional, `from` inclusive, `to` exclusive."""

    actor_id: str | None = Field(default=None, min_length=1, max_length=64)
    target_id: str | None = Field(default=None, min_length=1, max_length=64)
    event: str | None = Field(default=None, max_length=MAX_EVENT_NAME, pattern=EVENT_PATTERN)
    since: datetime | None = Field(default=None, alias="from")
    until: datetime | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> SecurityLogQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(RANGE_ERROR)
        return self

    def filters(self) -> Filters:
        """The repository's filters."""
        return Filters(self.actor_id, self.target_id, self.event, self.since, self.until)
