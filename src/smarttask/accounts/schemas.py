"""Account request and response bodies."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, ConfigDict, EmailStr, Field, StringConstraints

from smarttask.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from smarttask.kit.schemas import InputSchema, OutputSchema

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TokenName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
# A password being set: the policy's length bounds are in the schema (the rest, common
# passwords and the email, only the server can check).
NewPassword = Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in _zone_names():
        raise ValueError("Use an IANA time zone name, such as Europe/Paris or UTC.")
    return name


# A person's zone: reminders and the daily digest follow it (docs/notifications.md).
UserTimeZone = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_zone)
]
TotpCode = Annotated[str, Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]


class RegisterRequest(InputSchema):
    """A new account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": "correct-horse-battery-9",
                    "name": "Ada Lovelace",
                }
            ]
        }
    )

    email: EmailStr = Field(max_length=320)
    password: NewPassword
    name: Name


class LoginRequest(InputSchema):
    """Credentials."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct-horse-battery-9"}]
        }
    )

    email: str = Field(max_length=320)
    password: Password
    # From an earlier successful sign-in: this client is a known device (accounts/devices.py).
    device_token: str | None = Field(default=None, max_length=200)
    totp_code: str | None = Field(default=None, max_length=16)


class RefreshRequest(InputSchema):
    """A refresh token to exchange or revoke."""

    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPair(OutputSchema):
    """What a successful sign-in or refresh returns."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int


class LoginTokens(TokenPair):
    """A successful sign-in: the token pair and this client's device token.

    Send `device_token` back on later sign-ins (body or X-Device-Token): a known device
    keeps signing in with the right password while strangers' failures lock the email.
    """

    device_token: str


class UserRead(OutputSchema):
    """A user as the user (or an administrator) sees it."""

    id: str
    email: str | None
    name: str
    is_admin: bool
    is_active: bool
    totp_enabled: bool
    # True once the person opened the link of a verification mail (or a reset, an invitation).
    email_verified: bool
    # The IANA zone of the person's reminders and daily digest (docs/notifications.md).
    timezone: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class Proof(InputSchema):
    """Proof, in the request itself, that the account's owner is there (docs/security.md).

    Account control needs the current password, or a one-time code where TOTP is on: a
    bearer token alone is not enough. Both are optional here so that a missing proof is a
    401 with `"code": "reauth_required"`, not a 422.
    """

    current_password: Password | None = None
    # Any string: a malformed code is a wrong proof (401), not a validation error.
    totp_code: str | None = Field(default=None, max_length=16)


class UserUpdate(Proof):
    """Changes to one's own profile (a new email needs proof; a new name or zone does not)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Ada King", "timezone": "Europe/London"}]}
    )

    name: Name | None = None
    email: EmailStr | None = Field(default=None, max_length=320)
    timezone: UserTimeZone | None = None


class AdminUserUpdate(Proof):
    """Changes an administrator may make to any user (is_active and is_admin need proof)."""

    name: Name | None = None
    is_active: bool | None = None
    is_admin: bool | None = None


class PasswordChange(Proof):
    """A password change, proven by the current password (or a one-time code)."""

    new_password: NewPassword


class TotpSetup(OutputSchema):
    """A TOTP secret waiting for confirmation."""

    secret: str
    otpauth_uri: str


class TotpConfirm(Proof):
    """The first code of the pending TOTP secret, and proof of the owner's presence."""

    code: TotpCode


class TotpRemove(Proof):
    """Proof for turning TOTP off; `code` is accepted as the one-time code, as before."""

    code: str | None = Field(default=None, max_length=16)


class ApiTokenCreate(Proof):
    """A new personal API token (needs proof: a token must not mint tokens)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "CI pipeline", "current_password": "..."}]}
    )

    name: TokenName
    expires_at: datetime | None = None


class ApiTokenRead(OutputSchema):
    """A personal API token, without its secret."""

    id: str
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    """A new token: the secret is shown this once."""

    token: str
