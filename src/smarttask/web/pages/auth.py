"""Signing in, registering and signing out; `/` sends each visitor where they belong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import service as accounts
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.schemas import RegisterRequest
from smarttask.kit.problems import ProblemError
from smarttask.kit.ratelimit import enforce
from smarttask.kit.session import SessionDep
from smarttask.web import forms, signin
from smarttask.web.deps import MaybeCaller, PageCaller
from smarttask.web.render import render

router = APIRouter(include_in_schema=False)

HOME = "/my-tasks"
Text = Annotated[str, Form(max_length=1000)]
Secret = Annotated[str, Form(max_length=1024)]


def _auth_ip_limit(request: Request) -> str:
    limit: str = request.app.state.settings.auth_ip_rate_limit
    return limit


# The API's per-address limit on sign-in and sign-up, shared with the API's routes.
_per_ip = [enforce("auth-ip", _auth_ip_limit)]


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (anything else: the home page)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return HOME
    if any(ch in target for ch in "\r\n\x00") or target.startswith(("/login", "/logout")):
        return HOME
    return target


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.env != "development")


def _auth(request: Request) -> AuthComponents:
    auth: AuthComponents = request.app.state.auth
    return auth


def _signed_in(request: Request, opened: signin.Opened, target: str) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    signin.keep(response, opened, secure=_secure(request))
    return response


@router.get("/")
async def root(caller: MaybeCaller) -> Response:
    """Signed in: the app; else the sign-in page."""
    return RedirectResponse(HOME if caller else "/login", status_code=303)


# Why the browser was sent here, said on the sign-in page (never text from the request).
NOTICES = {
    "password-changed": "Your password is changed. That ended every sign-in, this one too: "
    "sign in again with the new password.",
}


@router.get("/login")
async def login_page(
    request: Request,
    caller: MaybeCaller,
    next: str | None = None,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The sign-in form."""
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next), "email": "", "error": None, **_sso_buttons(request)}
    return render(request, "auth/login.html", {**context, "notice": NOTICES.get(notice or "")})


def _sso_buttons(request: Request) -> dict[str, object]:
    """The single sign-on providers whose buttons the sign-in page shows (web/pages/sso.py)."""
    return {"sso_providers": request.app.state.settings.sso.providers}


def _refusal(problem: ProblemError) -> tuple[int, str]:
    code = problem.extra.get("code")
    if problem.status == 429:
        return 429, problem.detail
    if code == "account_disabled":
        return 403, problem.detail
    return problem.status, problem.detail


@router.post("/login", dependencies=_per_ip)
async def login(
    request: Request,
    session: SessionDep,
    _caller: MaybeCaller,
    email: Text,
    password: Secret,
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """Check the credentials; on to the TOTP step, or signed in."""
    try:
        outcome = await signin.sign_in(
            session,
            _auth(request),
            email=email,
            password=password,
            device_token=request.cookies.get(signin.DEVICE_COOKIE),
        )
    except ProblemError as problem:
        if problem.status not in (401, 429):
            raise
        status, error = _refusal(problem)
        context = {"next": safe_next(next), "email": email, "error": error, **_sso_buttons(request)}
        return render(request, "auth/login.html", context, status=status, headers=problem.headers)
    if isinstance(outcome, signin.CodeNeeded):
        step_context: dict[str, str | None] = {
            "next": safe_next(next),
            "step": outcome.step,
            "error": None,
        }
        return render(request, "auth/code.html", step_context)
    return _signed_in(request, outcome, next)


@router.post("/login/code", dependencies=_per_ip)
async def login_code(
    request: Request,
    session: SessionDep,
    _caller: MaybeCaller,
    step: Secret,
    code: Annotated[str, Form(max_length=12)],
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """The one-time code of a TOTP user's sign-in."""
    try:
        opened = await signin.sign_in_with_code(
            session,
            _auth(request),
            step=step,
            code=code.strip(),
            device_token=request.cookies.get(signin.DEVICE_COOKIE),
        )
    except ProblemError as problem:
        if problem.status not in (401, 429):
            raise
        status, error = _refusal(problem)
        context = {"next": safe_next(next), "step": step, "error": error}
        return render(request, "auth/code.html", context, status=status, headers=problem.headers)
    return _signed_in(request, opened, next)


@router.get("/register")
async def register_page(request: Request, caller: MaybeCaller, next: str | None = None) -> Response:
    """The form that creates an account (then on to `next`, e.g. an invitation)."""
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context: dict[str, object] = {"values": {}, "errors": {}, "error": None}
    return render(request, "auth/register.html", {**context, "next": safe_next(next)})


@router.post("/register", dependencies=_per_ip)
async def register(
    request: Request,
    session: SessionDep,
    _caller: MaybeCaller,
    name: Annotated[str, Form(max_length=200)],
    email: Text,
    password: Secret,
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    """Create the account and sign it in."""
    auth = _auth(request)
    values = {"name": name, "email": email}
    try:
        body = forms.parse(RegisterRequest, {**values, "password": password})
        await accounts.register(
            session, auth, email=body.email, password=body.password, name=body.name
        )
        outcome = await signin.sign_in(
            session, auth, email=body.email, password=body.password, device_token=None
        )
    except ProblemError as problem:
        if problem.status not in (409, 422, 429):
            raise
        context = {
            "values": values,
            "errors": forms.field_errors(problem),
            "error": problem.detail,
            "next": safe_next(next),
        }
        return render(request, "auth/register.html", context, status=problem.status)
    assert isinstance(outcome, signin.Opened)  # a new account has no TOTP yet
    return _signed_in(request, outcome, next)


@router.post("/logout")
async def logout(request: Request, session: SessionDep, caller: PageCaller) -> Response:
    """End this browser's session."""
    await signin.sign_out(session, caller)
    response = RedirectResponse("/login", status_code=303)
    signin.forget(response, secure=_secure(request))
    return response
