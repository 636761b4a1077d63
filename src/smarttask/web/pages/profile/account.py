"""The profile page itself, changing one's name, and changing the password."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import profile, service
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.schemas import PasswordChange, UserUpdate
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.web import forms, signin
from smarttask.web.deps import PageCaller
from smarttask.web.pages.profile.view import Secret, Short, profile_page, proof, refusal, shown

router = APIRouter()
# The sign-in page says why the browser was signed out (web/pages/auth.py).
SIGNED_OUT = "/login?notice=password-changed"


@router.get("/profile")
async def show_profile(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    saved: str | None = Query(default=None, max_length=40),
) -> Response:
    """Name, email, password, two-step sign-in and API tokens."""
    return await profile_page(request, session, caller, saved=saved)


async def _update(
    request: Request, session: SessionDep, caller: PageCaller, field: str, value: str
) -> Response:
    """Change one field of one's profile, or show the page with why not."""
    auth: AuthComponents = request.app.state.auth
    values = {field: value}
    try:
        body = forms.parse(UserUpdate, values)
        await profile.update_profile(session, auth, caller.user, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        refused = refusal(field, problem)
        return await profile_page(request, session, caller, refused=refused, values=values)
    return RedirectResponse(f"/profile?saved={field}", status_code=303)


@router.post("/profile/name")
async def change_name(
    request: Request, session: SessionDep, caller: PageCaller, name: Short = ""
) -> Response:
    """Change one's name (no proof needed, as in the API)."""
    return await _update(request, session, caller, "name", name)


@router.post("/profile/timezone")
async def change_timezone(
    request: Request, session: SessionDep, caller: PageCaller, timezone: Short = ""
) -> Response:
    """Change one's time zone (reminders and the daily digest follow it)."""
    return await _update(request, session, caller, "timezone", timezone)


@router.post("/profile/password")
async def change_password(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    current_password: Secret = "",
    new_password: Secret = "",
) -> Response:
    """Change the password: every sign-in ends, this one too, so on to the sign-in page."""
    auth: AuthComponents = request.app.state.auth
    try:
        body = forms.parse(
            PasswordChange,
            {"current_password": proof(current_password), "new_password": new_password},
        )
        await service.change_password(
            session,
            auth,
            caller.user,
            current=body.current_password,
            totp_code=body.totp_code,
            new=body.new_password,
        )
    except ProblemError as problem:
        if not shown(problem):
            raise
        return await profile_page(request, session, caller, refused=refusal("password", problem))
    response = RedirectResponse(SIGNED_OUT, status_code=303)
    signin.forget(response, secure=request.app.state.settings.env != "development")
    return response
