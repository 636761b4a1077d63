"""Sign-in endpoints (docs/api.md, Sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from smarttask.accounts import service
from smarttask.accounts.deps import AUTH_PER_IP, AuthDep
from smarttask.accounts.schemas import (
    LoginRequest,
    LoginTokens,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserRead,
)
from smarttask.kit.openapi import problems
from smarttask.kit.session import SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])


_per_ip = AUTH_PER_IP


@router.post(
    "/register",
    status_code=201,
    response_model=UserRead,
    dependencies=_per_ip,
    responses=problems(409, 413, 415, 422, 429, 503),
)
async def register(body: RegisterRequest, session: SessionDep, auth: AuthDep) -> UserRead:
    """Create an account."""
    user = await service.register(
        session, auth, email=body.email, password=body.password, name=body.name
    )
    return UserRead.model_validate(user)


DeviceTokenHeader = Annotated[str | None, Header(alias="X-Device-Token", max_length=200)]


@router.post(
    "/login",
    response_model=LoginTokens,
    dependencies=_per_ip,
    responses=problems(401, 413, 415, 422, 429, 503),
)
async def login(
    body: LoginRequest, session: SessionDep, auth: AuthDep, x_device_token: DeviceTokenHeader = None
) -> LoginTokens:
    """Exchange credentials (and a TOTP code when enabled) for tokens and a device token."""
    return await service.login(
        session,
        auth,
        email=body.email,
        password=body.password,
        totp_code=body.totp_code,
        device_token=body.device_token or x_device_token,
    )


@router.post(
    "/refresh",
    response_model=TokenPair,
    dependencies=_per_ip,
    responses=problems(401, 413, 415, 422, 429, 503),
)
async def refresh(body: RefreshRequest, session: SessionDep, auth: AuthDep) -> TokenPair:
    """Exchange a refresh token for a new pair (the old one stops working)."""
    return await service.refresh(session, auth, body.refresh_token)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    dependencies=_per_ip,
    responses=problems(413, 415, 422, 429, 503),
)
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    """Revoke the sign-in the refresh token belongs to."""
    await service.logout(session, body.refresh_token)
    return Response(status_code=204)
