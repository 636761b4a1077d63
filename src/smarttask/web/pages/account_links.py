"""The pages of the account mails' links: forgotten password, new password, email
verification, and invitations.

Each calls the service the API's route calls (accounts.recovery, workspaces.invitations)
with the API's request schemas. A GET never spends a token (mail scanners open links
before people do): the page shows a form, and only its POST, with the CSRF token, acts.
Every form works without JavaScript; refusals are said on the page itself.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import recovery
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.deps import forget_caller_on_commit
from smarttask.accounts.recovery_schemas import (
    EmailVerification,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from smarttask.kit.problems import ProblemError
from smarttask.kit.ratelimit import enforce
from smarttask.kit.session import SessionDep
from smarttask.kit.unit_of_work import unit_of_work
from smarttask.web import forms
from smarttask.web.deps import MaybeCaller, PageCaller
from smarttask.web.render import render
from smarttask.workspaces import invitations
from smarttask.workspaces.invitation_schemas import InvitationAccept

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1000)]
Secret = Annotated[str, Form(max_length=1024)]
# A link's token as the page receives it; longer ones are no token of ours (refused alike).
LinkToken = Annotated[str, Query(max_length=1000)]
TokenField = Annotated[str, Form(max_length=1000)]


def _auth_ip_limit(request: Request) -> str:
    limit: str = request.app.state.settings.auth_ip_rate_limit
    return limit


# The per-address limit of sign-in and of the API's account-mail routes, shared with them.
_per_ip = [enforce("auth-ip", _auth_ip_limit)]


def _auth(request: Request) -> AuthComponents:
    auth: AuthComponents = request.app.state.auth
    return auth


def _refusal(problem: ProblemError, *statuses: int) -> dict[str, Any]:
    """A refusal to show on the page (re-raised to the error page unless of these statuses)."""
    if problem.status not in statuses:
        raise problem
    return {"error": problem.detail, "errors": forms.field_errors(problem)}


@router.get("/forgot-password")
async def forgot_password_page(request: Request, _caller: MaybeCaller) -> Response:
    """The form that asks for a password reset mail."""
    context = {"email": "", "sent": False, "error": None, "errors": {}}
    return render(request, "account_links/forgot_password.html", context)


@router.post("/forgot-password", dependencies=_per_ip)
async def forgot_password(
    request: Request, session: SessionDep, _caller: MaybeCaller, email: Text = ""
) -> Response:
    """Queue the reset mail; the same answer whether the address has an account or not."""
    try:
        body = forms.parse(PasswordResetRequest, {"email": email})
        await recovery.request_password_reset(session, _auth(request), body.email)
    except ProblemError as problem:
        context = {"email": email, "sent": False, **_refusal(problem, 422)}
        return render(request, "account_links/forgot_password.html", context, status=problem.status)
    context = {"email": body.email, "sent": True, "error": None, "errors": {}}
    return render(request, "account_links/forgot_password.html", context, status=202)


@router.get("/reset-password")
async def reset_password_page(
    request: Request, session: SessionDep, _caller: MaybeCaller, token: LinkToken = ""
) -> Response:
    """The new-password form of a reset link (the token is only checked, never spent)."""
    valid = bool(token) and await recovery.reset_link_valid(session, token)
    context: dict[str, Any] = {
        "token": token,
        "error": None if valid else recovery.invalid_link().detail,
        "errors": {},
        "valid": valid,
    }
    return render(
        request, "account_links/reset_password.html", context, status=200 if valid else 400
    )


@router.post("/reset-password", dependencies=_per_ip)
async def reset_password(
    request: Request,
    session: SessionDep,
    _caller: MaybeCaller,
    token: TokenField = "",
    new_password: Secret = "",
) -> Response:
    """Set the new password (the link works once); every sign-in ends, this one too."""
    auth = _auth(request)
    try:
        body = forms.parse(PasswordResetConfirm, {"token": token, "new_password": new_password})
        user = await recovery.confirm_password_reset(session, auth, body.token, body.new_password)
    except ProblemError as problem:
        refused = _refusal(problem, 400, 422)
        # A 422 on the token itself (e.g. empty) is an unusable link, like a 400.
        valid = problem.status == 422 and "token" not in refused["errors"]
        context = {"token": token, "valid": valid, **refused}
        return render(request, "account_links/reset_password.html", context, status=problem.status)
    forget_caller_on_commit(auth, unit_of_work(request.scope), user.id)
    return RedirectResponse("/login?notice=password-changed", status_code=303)


@router.get("/verify-email")
async def verify_email_page(
    request: Request, _caller: MaybeCaller, token: LinkToken = ""
) -> Response:
    """A button that confirms the address (a GET spends nothing)."""
    context = {"token": token, "verified": False, "error": None}
    return render(request, "account_links/verify_email.html", context)


@router.post("/verify-email", dependencies=_per_ip)
async def verify_email(
    request: Request, session: SessionDep, _caller: MaybeCaller, token: TokenField = ""
) -> Response:
    """Mark the address verified (the link works once)."""
    try:
        body = forms.parse(EmailVerification, {"token": token})
        user = await recovery.verify_email(session, body.token)
    except ProblemError as problem:
        _refusal(problem, 400, 422)  # an empty or overlong token is no usable link either
        context = {"token": "", "verified": False, "error": recovery.invalid_link().detail}
        return render(request, "account_links/verify_email.html", context, status=400)
    forget_caller_on_commit(_auth(request), unit_of_work(request.scope), user.id)
    context = {"token": "", "verified": True, "error": None}
    return render(request, "account_links/verify_email.html", context)


@router.post("/verify-email/resend", dependencies=_per_ip)
async def resend_verification(
    request: Request, session: SessionDep, caller: PageCaller
) -> Response:
    """Mail the signed-in person a new verification link (limited like sign-in failures)."""
    try:
        await recovery.resend_verification(session, _auth(request), caller.user)
    except ProblemError as problem:
        refused = _refusal(problem, 409, 429)
        context = {"token": "", "verified": False, "error": refused["error"]}
        return render(
            request,
            "account_links/verify_email.html",
            context,
            status=problem.status,
            headers=problem.headers,
        )
    context = {"token": "", "verified": False, "error": None, "resent": True}
    return render(request, "account_links/verify_email.html", context, status=202)


def _back_here(token: str) -> str:
    """This page's own path, for signing in (or registering) and coming back."""
    return quote(f"/invitations/accept?token={quote(token, safe='')}", safe="")


async def _invitation_page(
    request: Request,
    session: SessionDep,
    caller: Any,
    token: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    view = None
    if token:
        try:
            view = await invitations.view(session, token)
        except ProblemError as problem:
            error, status = error or problem.detail, problem.status
    else:
        error, status = invitations.invalid_link().detail, 400
    context = {
        "token": token,
        "view": view,
        "error": error,
        "for_caller": bool(view and caller and invitations.is_for(view.invitation, caller.user)),
        "back": _back_here(token),
    }
    return render(request, "account_links/invitation.html", context, status=status)


@router.get("/invitations/accept")
async def invitation_page(
    request: Request, session: SessionDep, caller: MaybeCaller, token: LinkToken = ""
) -> Response:
    """The invitation of a link: its workspace and role; signed in, an accept button."""
    return await _invitation_page(request, session, caller, token)


@router.post("/invitations/accept")
async def accept_invitation(
    request: Request, session: SessionDep, caller: PageCaller, token: TokenField = ""
) -> Response:
    """Join the workspace (the invited address's account only; the link works once)."""
    try:
        body = forms.parse(InvitationAccept, {"token": token})
        membership, _user = await invitations.accept(session, caller.user, body.token)
    except ProblemError as problem:
        if problem.status not in (400, 403, 409, 422):
            raise
        # The refusal is said on the page; it is shown from a fresh transaction's reads.
        return await _invitation_page(
            request, session, caller, token, error=problem.detail, status=problem.status
        )
    return RedirectResponse(f"/workspaces/{membership.workspace_id}", status_code=303)
