"""The profile page, fresh or with one form's refusal, a TOTP set-up or a new token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from smarttask.accounts import profile
from smarttask.kit.problems import ProblemError
from smarttask.web import forms
from smarttask.web.layout import page
from smarttask.web.signin import WebCaller
from smarttask.workspaces.schemas import time_zones

# Form fields, bounded generously: the API's schemas then say what is wrong.
Short = Annotated[str, Form(max_length=1000)]
Secret = Annotated[str, Form(max_length=1024)]
# What a redirect after a change may ask the page to say (never text from the request).
SAVED = {
    "name": "Your name is saved.",
    "timezone": "Your time zone is saved.",
    "totp-on": "Two-step sign-in is on: signing in now asks for a code from your app.",
    "totp-off": "Two-step sign-in is off.",
    "token-revoked": "The token is revoked: it no longer works.",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A form's refusal: which form, what it said beside which field, the status."""

    form: str
    errors: dict[str, str]
    error: str | None
    status: int
    headers: dict[str, str]


def refusal(form: str, problem: ProblemError) -> Refusal:
    """The page's reading of a refusal: a failed proof (401, 429) is the password's error."""
    if problem.status in (401, 429):
        status = 422 if problem.status == 401 else 429
        headers = {k: v for k, v in problem.headers.items() if k.lower() == "retry-after"}
        return Refusal(form, {"current_password": problem.detail}, None, status, headers)
    errors = forms.field_errors(problem)
    return Refusal(form, errors, None if errors else problem.detail, problem.status, {})


def shown(problem: ProblemError) -> bool:
    """Whether a refusal belongs on the page beside its form (else: the error page)."""
    return problem.status in (401, 409, 422, 429)


def proof(value: str) -> str | None:
    """An empty proof field is no proof (the service then asks for one)."""
    return value or None


async def profile_page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    *,
    refused: Refusal | None = None,
    values: dict[str, str] | None = None,
    totp_setup: dict[str, str] | None = None,
    new_token: dict[str, str] | None = None,
    saved: str | None = None,
) -> Response:
    """The profile page."""
    user = caller.user
    listed = await profile.list_api_tokens(session, user, None, profile.MAX_API_TOKENS)
    context: dict[str, Any] = {
        "user": user,
        "tokens": listed.items,
        "form": refused.form if refused else None,
        "errors": refused.errors if refused else {},
        "error": refused.error if refused else None,
        "values": values or {},
        "totp_setup": totp_setup,
        "new_token": new_token,
        "saved": SAVED.get(saved or ""),
        "zones": time_zones(),
    }
    return await page(
        request,
        session,
        caller,
        "profile/profile.html",
        context,
        status=refused.status if refused else 200,
        headers=refused.headers if refused else None,
    )
