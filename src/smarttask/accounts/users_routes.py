"""Profile, password, TOTP, API tokens, and the administrators' users API (docs/api.md, Users)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from smarttask.accounts import profile, service
from smarttask.accounts.deps import AdminUser, AuthDep, CurrentUser
from smarttask.accounts.schemas import (
    AdminUserUpdate,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    PasswordChange,
    TotpCodeBody,
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
_USER_READ_FIELDS = tuple(UserRead.model_fields)


@hot_route(router, "/me", methods=["GET"], response_model=UserRead, responses=problems(*_AUTH))
async def read_me(user: CurrentUser) -> Response:
    """The caller's profile."""
    return json_response({field: getattr(user, field) for field in _USER_READ_FIELDS})


@router.patch("/me", response_model=UserRead, responses=problems(*_AUTH, 409, 413, 415, 422))
async def update_me(body: UserUpdate, user: CurrentUser, session: SessionDep) -> UserRead:
    """Change the caller's name or email."""
    return UserRead.model_validate(await profile.update_profile(session, user, body))


@router.delete("/me", status_code=204, response_class=Response, responses=problems(*_AUTH))
async def erase_me(user: CurrentUser, session: SessionDep) -> Response:
    """Erase the caller's personal data and disable the account."""
    await service.erase(session, user)
    return Response(status_code=204)


@router.post(
    "/me/password",
    status_code=204,
    response_class=Response,
    # 429: wrong current passwords count as failed sign-ins of the email (lockout).
    responses=problems(*_AUTH, 413, 415, 422, 429),
)
async def change_password(
    body: PasswordChange, user: CurrentUser, session: SessionDep, auth: AuthDep
) -> Response:
    """Change the password; every sign-in's refresh tokens are revoked."""
    await service.change_password(
        session, auth, user, current=body.current_password, new=body.new_password
    )
    return Response(status_code=204)


@router.post("/me/totp", response_model=TotpSetup, responses=problems(*_AUTH, 409))
async def start_totp(user: CurrentUser, auth: AuthDep) -> TotpSetup:
    """Begin TOTP set-up: a secret to scan, active once confirmed."""
    return await profile.start_totp(user, auth)


@router.post(
    "/me/totp/confirm",
    status_code=204,
    response_class=Response,
    responses=problems(*_AUTH, 409, 413, 415, 422),
)
async def confirm_totp(body: TotpCodeBody, user: CurrentUser, session: SessionDep) -> Response:
    """Activate TOTP with a first code."""
    await profile.confirm_totp(session, user, body.code)
    return Response(status_code=204)


@router.delete(
    "/me/totp",
    status_code=204,
    response_class=Response,
    responses=problems(*_AUTH, 409, 413, 415, 422),
)
async def remove_totp(body: TotpCodeBody, user: CurrentUser, session: SessionDep) -> Response:
    """Turn TOTP off with a current code."""
    await profile.remove_totp(session, user, body.code)
    return Response(status_code=204)


@router.post(
    "/me/tokens",
    status_code=201,
    response_model=ApiTokenCreated,
    responses=problems(*_AUTH, 409, 413, 415, 422),
)
async def create_token(
    body: ApiTokenCreate, user: CurrentUser, session: SessionDep
) -> ApiTokenCreated:
    """Create a personal API token; its secret is shown only in this answer."""
    row, secret = await profile.create_api_token(
        session, user, name=body.name, expires_at=body.expires_at
    )
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
    "/{user_id}", response_model=UserRead, responses=problems(*_AUTH, 403, 404, 409, 413, 415, 422)
)
async def update_user(
    user_id: Id, body: AdminUserUpdate, admin: AdminUser, session: SessionDep
) -> UserRead:
    """Rename, disable, re-enable, promote or demote a user (administrators only)."""
    return UserRead.model_validate(await profile.admin_update(session, admin, user_id, body))


@router.delete(
    "/{user_id}", status_code=204, response_class=Response, responses=problems(*_AUTH, 403, 404)
)
async def erase_user(user_id: Id, admin: AdminUser, session: SessionDep) -> Response:
    """Erase a user's personal data and disable the account (administrators only)."""
    await profile.admin_erase(session, admin, user_id)
    return Response(status_code=204)
