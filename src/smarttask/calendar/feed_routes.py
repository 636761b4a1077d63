"""The feed itself: `GET /calendar/<token>.ics`, outside the API prefix, for calendar apps.

No cookie and no Authorization header: the secret token in the path is the credential.
The access log writes the path with the token masked (kit/middleware.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from smarttask.accounts.tokens import hash_secret
from smarttask.calendar import service
from smarttask.calendar.deps import FeedOwnerDep
from smarttask.kit.deps import SettingsDep
from smarttask.kit.ratelimit import client_ip, enforce
from smarttask.kit.session import SessionDep

# Calendar apps fetch a feed every few hours; Google's and Microsoft's fetchers share a few
# addresses among all their users, so the per-address limit is generous (docs/calendar.md).
PER_TOKEN_LIMIT = "10/minute"  # noqa: S105 (a rate, not a secret)
PER_ADDRESS_LIMIT = "600/minute"
MEDIA_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


def _token_key(request: Request) -> str:
    """The rate-limit key of the URL's token: a hash, never the token itself."""
    return hash_secret(str(request.path_params.get("token", "")))[:32]


router = APIRouter(
    include_in_schema=False,
    dependencies=[
        enforce("calendar-feed-ip", lambda _: PER_ADDRESS_LIMIT, client_ip),
        enforce("calendar-feed", lambda _: PER_TOKEN_LIMIT, _token_key),
    ],
)
IfNoneMatch = Annotated[str | None, Header(max_length=4096)]


@router.api_route("/calendar/{token}.ics", methods=["GET", "HEAD"])
async def calendar_feed(
    found: FeedOwnerDep,
    session: SessionDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The owner's open assigned tasks with a due date (RFC 5545); 304 for If-None-Match."""
    answer = await service.feed(session, found, settings.public_url, if_none_match)
    headers = {"ETag": answer.etag, "Cache-Control": CACHE_CONTROL}
    if answer.body is None:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="smarttask.ics"'
    return Response(answer.body, media_type=MEDIA_TYPE, headers=headers)
