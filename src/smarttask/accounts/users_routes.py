"""Profile, password, TOTP, API tokens, and the administrators' users API (docs/api.md, Users)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts import profile, service
from smarttask.accounts.deps import (
    AdminUser,
    AuthDep,
    ControllingAdmin,
    ControllingUser,
    CurrentUser,
)
from smarttask.accounts.schemas import (
    AdminUserUpdate,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    PasswordChange,
    Proof,
    TotpConfirm,
    TotpRemove,
    TotpSetup,
    UserRead,
    UserUpdate,
)
from smarttask.kit.openapi import problems
from smarttask.kit.pagination import Cursor, Limit, Page
from smarttask.kit.responses import json_response
from smarttask.kit.session import SessionDep
from smarttask.speed.hotroute import hot_route

router = APIRouter(prefix="/users", tags=["users"])
Id = Annotated[str, Path(min_length=1, max_length=64)]
_AUTH = (401, 503)
# Account control: 401 also for a missing or wrong proof ("code": "reauth_required" or
# "reauth_invalid"), 403 for an API token, 429 once failed proofs lock the email out.
_CONTROL = (401, 403, 429, 503)
_REVOKED_HEADERS = {
    "X-Revoked-Sessions": "How many live sign-ins were revoked.",
    "X-Revoked-Api-Tokens": "How many API tokens were revoked.",
}
_USER_READ_FIELDS = tuple(UserRead.model_fields)


@hot_route(router, "/me", methods=["GET"], response_model=UserRead, responses=problems(*_AUTH))
async def read_me(user: CurrentUser) -> Response:
    """The caller's profile."""
    return json_response({field: getattr(user, field) for field in _USER_READ_FIELDS})


@router.patch("/me", response_model=UserRead, responses=problems(*_CONTROL, 409, 413, 415, 422))
async def update_me(
    body: UserUpdate, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> UserRead:
    """Change the caller's name or time zone, or (with proof) email."""
    return UserRead.model_validate(await profile.update_profile(session, auth, user, body))


@router.delete(
    "/me", status_code=204, response_class=Response, responses=problems(*_CONTROL, 413, 415, 422)
)
async def erase_me(
    body: Proof, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> Response:
    """Erase the caller's personal data and disable the account (needs proof)."""
    await profile.erase_me(session, auth, user, body)
    return Response(status_code=204)


@router.post(
    "/me/password",
    status_code=204,
    response_class=Response,
    responses={
        204: {
            "description": "The password changed; every sign-in and API token is revoked.",
            "headers": {
                name: {"description": what, "schema": {"type": "integer"}}
                for name, what in _REVOKED_HEADERS.items()
            },
        },
        **problems(*_CONTROL, 413, 415, 422),
    },
)
async def change_password(
    body: PasswordChange, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> Response:
    """Change the password; every sign-in and every API token of the user is revoked."""
    revoked = await service.change_password(
        session,
        auth,
        user,
        current=body.current_password,
        totp_code=body.totp_code,
        new=body.new_password,
    )
    return Response(
        status_code=204,
        headers=dict(
            zip(_REVOKED_HEADERS, (str(revoked.sessions), str(revoked.api_tokens)), strict=True)
        ),
    )


@router.post(
    "/me/totp", response_model=TotpSetup, responses=problems(*_CONTROL, 409, 413, 415, 422)
)
async def start_totp(
    body: Proof, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> TotpSetup:
    """Begin TOTP set-up (needs proof): a secret to scan, active once confirmed."""
    return await profile.start_totp(session, auth, user, body)


@router.post(
    "/me/totp/confirm",
    status_code=204,
    response_class=Response,
    responses=problems(*_CONTROL, 409, 413, 415, 422),
)
async def confirm_totp(
    body: TotpConfirm, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> Response:
    """Activate TOTP with a first code (needs proof)."""
    await profile.confirm_totp(session, auth, user, body)
    return Response(status_code=204)


@router.delete(
    "/me/totp",
    status_code=204,
    response_class=Response,
    responses=problems(*_CONTROL, 409, 413, 415, 422),
)
async def remove_totp(
    user: ControllingUser,
    session: SessionDep,
    auth: AuthDep,
    body: TotpRemove,
) -> Response:
    """Turn TOTP off with a current code or the password."""
    await profile.remove_totp(session, auth, user, body)
    return Response(status_code=204)


@router.post(
    "/me/tokens",
    status_code=201,
    response_model=ApiTokenCreated,
    responses=problems(*_CONTROL, 409, 413, 415, 422),
)
async def create_token(
    body: ApiTokenCreate, user: ControllingUser, session: SessionDep, auth: AuthDep
) -> ApiTokenCreated:
    """Create a personal API token (needs proof); its secret is shown only in this answer."""
    row, secret = await profile.create_api_token(session, auth, user, body)
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(row).model_dump(), "token": secret}
    )


@router.get("/me/tokens", response_model=Page[ApiTokenRead], responses=problems(*_AUTH, 422))
async def list_tokens(
    user: CurrentUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ApiTokenRead]:
    """The caller's live API tokens, oldest first."""
    return await profile.list_api_tokens(session, user, cursor, limit)


@router.delete(
    "/me/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_AUTH, 404),
)
async def revoke_token(token_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke one of the caller's API tokens."""
    await profile.revoke_api_token(session, user, token_id)
    return Response(status_code=204)


@router.get("", response_model=Page[UserRead], responses=problems(*_AUTH, 403, 422))
async def list_users(
    _admin: AdminUser, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[UserRead]:
    """Every user, oldest first (administrators only)."""
    return await profile.list_users(session, cursor, limit)


@router.get("/{user_id}", response_model=UserRead, responses=problems(*_AUTH, 403, 404))
async def read_user(user_id: Id, _admin: AdminUser, session: SessionDep) -> UserRead:
    """One user (administrators only)."""
    return UserRead.model_validate(await profile.get_user(session, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    responses=problems(*_CONTROL, 404, 409, 413, 415, 422),
)
async def update_user(
    user_id: Id, body: AdminUserUpdate, admin: ControllingAdmin, session: SessionDep, auth: AuthDep
) -> UserRead:
    """Rename, or (with proof) disable, re-enable, promote or demote a user (administrators)."""
    return UserRead.model_validate(await profile.admin_update(session, auth, admin, user_id, body))


@router.delete(
    "/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*_CONTROL, 404, 413, 415, 422),
)
async def erase_user(
    user_id: Id,
    admin: ControllingAdmin,
    session: SessionDep,
    auth: AuthDep,
    body: Proof,
) -> Response:
    """Erase a user's personal data and disable the account (administrators, with proof)."""
    await profile.admin_erase(session, auth, admin, user_id, body)
    return Response(status_code=204)
