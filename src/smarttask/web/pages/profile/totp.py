"""Two-step sign-in: set-up with a QR code drawn here, confirming with a code, removing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import profile
from smarttask.accounts import totp as codes
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.models import User
from smarttask.accounts.schemas import Proof, TotpConfirm, TotpRemove
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.pages.profile.view import Secret, profile_page, proof, refusal, shown

router = APIRouter()
Code = Annotated[str, Form(max_length=64)]


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG `data:` URI (the CSP allows data: images)."""
    import segno  # imported on first use: only this page draws QR codes

    return str(
        segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    )


def _setup(secret: str, uri: str) -> dict[str, str]:
    # Grouped by four for reading aloud and typing; apps ignore the spaces.
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"secret": secret, "grouped": grouped, "qr": qr_data_uri(uri)}


def _pending(request: Request, user: User) -> dict[str, str] | None:
    """The set-up waiting for its code, to show again once the proof was right."""
    if user.totp_enabled or user.totp_secret is None:
        return None
    auth: AuthComponents = request.app.state.auth
    issuer = auth.settings.totp_issuer
    uri = codes.provisioning_uri(user.totp_secret, user.email or user.id, issuer)
    return _setup(user.totp_secret, uri)


@router.post("/profile/totp")
async def start_totp(
    request: Request, session: SessionDep, caller: PageCaller, current_password: Secret = ""
) -> Response:
    """A new secret to scan (needs the password); active once a code confirms it."""
    auth: AuthComponents = request.app.state.auth
    try:
        body = forms.parse(Proof, {"current_password": proof(current_password)})
        started = await profile.start_totp(session, auth, caller.user, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await profile_page(request, session, caller, refused=refusal("totp", problem))
    setup = _setup(started.secret, started.otpauth_uri)
    return await profile_page(request, session, caller, totp_setup=setup)


@router.post("/profile/totp/confirm")
async def confirm_totp(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    code: Code = "",
    current_password: Secret = "",
) -> Response:
    """Turn two-step sign-in on with a first code from the app (and the password)."""
    auth: AuthComponents = request.app.state.auth
    try:
        body = forms.parse(
            TotpConfirm, {"code": code.strip(), "current_password": proof(current_password)}
        )
        await profile.confirm_totp(session, auth, caller.user, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        refused = refusal("totp-confirm", problem)
        # The secret is shown again only to whoever just gave the right password.
        proven = "current_password" not in refused.errors
        pending = _pending(request, caller.user)
        setup = None if pending is None else pending if proven else {}
        return await profile_page(request, session, caller, refused=refused, totp_setup=setup)
    return RedirectResponse("/profile?saved=totp-on", status_code=303)


@router.post("/profile/totp/remove")
async def remove_totp(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    current_password: Secret = "",
    code: Code = "",
) -> Response:
    """Turn two-step sign-in off, proven by the password or a current code."""
    auth: AuthComponents = request.app.state.auth
    try:
        body = forms.parse(
            TotpRemove,
            {"current_password": proof(current_password), "code": proof(code.strip())},
        )
        await profile.remove_totp(session, auth, caller.user, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        refused = refusal("totp-remove", problem)
        return await profile_page(request, session, caller, refused=refused)
    return RedirectResponse("/profile?saved=totp-off", status_code=303)
