"""Personal API tokens: creating one (needs the password; its secret shown once), revoking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from smarttask.accounts import profile
from smarttask.accounts.components import AuthComponents
from smarttask.accounts.schemas import ApiTokenCreate
from smarttask.kit.problems import ProblemError
from smarttask.kit.session import SessionDep
from smarttask.web import forms
from smarttask.web.deps import PageCaller
from smarttask.web.pages.profile.view import Secret, Short, profile_page, proof, refusal, shown

router = APIRouter()
TokenId = Annotated[str, Path(min_length=1, max_length=64)]


def _expiry(day: str) -> str | None:
    """A date field's day as the API's expires_at: the start of that day, UTC."""
    return f"{day.strip()}T00:00:00Z" if day.strip() else None


@router.post("/profile/tokens")
async def create_token(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    name: Short = "",
    expires_at: Short = "",
    current_password: Secret = "",
) -> Response:
    """Create a token; the answer is the only page that ever shows its secret."""
    auth: AuthComponents = request.app.state.auth
    values = {"name": name, "expires_at": expires_at}
    try:
        body = forms.parse(
            ApiTokenCreate,
            {
                "name": name,
                "expires_at": _expiry(expires_at),
                "current_password": proof(current_password),
            },
        )
        row, secret = await profile.create_api_token(session, auth, caller.user, body)
    except ProblemError as problem:
        if not shown(problem):
            raise
        refused = refusal("token", problem)
        return await profile_page(request, session, caller, refused=refused, values=values)
    new_token = {"id": row.id, "name": row.name, "secret": secret}
    return await profile_page(request, session, caller, new_token=new_token)


@router.post("/profile/tokens/{token_id}/revoke")
async def revoke_token(session: SessionDep, caller: PageCaller, token_id: TokenId) -> Response:
    """Revoke one of one's tokens (another's is the 404 page, as in the API)."""
    await profile.revoke_api_token(session, caller.user, token_id)
    return RedirectResponse("/profile?saved=token-revoked", status_code=303)
