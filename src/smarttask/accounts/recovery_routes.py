"""Password reset and email verification endpoints (docs/mail.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from smarttask.accounts import recovery
from smarttask.accounts.deps import AUTH_PER_IP, AuthDep, CurrentUser, forget_caller_on_commit
from smarttask.accounts.recovery_schemas import (
    EmailVerification,
    MailAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep
from smarttask.kit.unit_of_work import unit_of_work

router = APIRouter(prefix="/auth", tags=["auth"])


_per_ip = AUTH_PER_IP


@router.post(
    "/password-reset",
    status_code=202,
    response_model=MailAccepted,
    dependencies=_per_ip,
    responses=problems(413, 415, 422, 429, 503),
)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, auth: AuthDep
) -> MailAccepted:
    """Mail a reset link if an enabled account has this email; the same 202 either way."""
    await recovery.request_password_reset(session, auth, body.email)
    return MailAccepted(detail=recovery.ACCEPTED)


@router.post(
    "/password-reset/confirm",
    status_code=204,
    response_class=Response,
    dependencies=_per_ip,
    responses=problems(400, 413, 415, 422, 429, 503),
)
async def confirm_password_reset(
    body: PasswordResetConfirm, request: Request, session: SessionDep, auth: AuthDep
) -> Response:
    """Set a new password with a reset link's token (once, within 30 minutes); every
    sign-in and API token of the account is revoked."""
    user = await recovery.confirm_password_reset(session, auth, body.token, body.new_password)
    forget_caller_on_commit(auth, unit_of_work(request.scope), user.id)
    return Response(status_code=204)


@router.post(
    "/verify-email",
    status_code=204,
    response_class=Response,
    dependencies=_per_ip,
    responses=problems(400, 413, 415, 422, 429, 503),
)
async def verify_email(
    body: EmailVerification, request: Request, session: SessionDep, auth: AuthDep
) -> Response:
    """Confirm the account's email address with a verification link's token (once)."""
    user = await recovery.verify_email(session, body.token)
    forget_caller_on_commit(auth, unit_of_work(request.scope), user.id)
    return Response(status_code=204)


@router.post(
    "/verification",
    status_code=202,
    response_model=MailAccepted,
    dependencies=_per_ip,
    responses=problems(401, 409, 429, 503),
)
async def resend_verification(
    user: CurrentUser, session: SessionDep, auth: AuthDep
) -> MailAccepted:
    """Mail the signed-in user a new verification link (409 once verified)."""
    await recovery.resend_verification(session, auth, user)
    return MailAccepted(detail="A mail with a new verification link is on its way.")
