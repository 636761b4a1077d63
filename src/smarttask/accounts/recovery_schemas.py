"""Bodies of the account-mail endpoints: password reset and email verification."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field

from smarttask.accounts.schemas import NewPassword
from smarttask.kit.schemas import InputSchema, OutputSchema

# A token from a mailed link (43 URL-safe characters when made here; bounded generously).
LinkToken = Annotated[str, Field(min_length=1, max_length=200)]


class PasswordResetRequest(InputSchema):
    """Whose password to reset: a mail goes to this address if an enabled account has it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ada@example.com"}]})

    email: EmailStr = Field(max_length=320)


class PasswordResetConfirm(InputSchema):
    """The token of a reset link and the new password (the registration's rules apply)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "token-from-the-link", "new_password": "new-harbour-lantern-7"}]
        }
    )

    token: LinkToken
    new_password: NewPassword


class EmailVerification(InputSchema):
    """The token of a verification link."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "token-from-the-link"}]})

    token: LinkToken


class MailAccepted(OutputSchema):
    """A mail was requested; it goes out in the background (when there is someone to mail)."""

    detail: str
