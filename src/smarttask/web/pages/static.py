"""Static files: `/static/<digest>/<name>`, immutable for a year when the digest is current."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smarttask.kit.problems import NotFound
from smarttask.web import assets

router = APIRouter(include_in_schema=False)

_FOREVER = "public, max-age=31536000, immutable"


@router.get("/static/{digest}/{name:path}")
async def static_file(digest: str, name: str, request: Request) -> Response:
    """One static file, gzipped when the browser accepts it."""
    found = assets.asset(name)
    if found is None:
        raise NotFound("No resource lives at this address.")
    # An older page may still ask for an older digest: it gets today's file, not cached.
    headers = {
        "cache-control": _FOREVER if digest == found.digest else "no-cache",
        "vary": "Accept-Encoding",
        "cross-origin-resource-policy": "same-origin",
    }
    body = found.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = found.gzipped
        headers["content-encoding"] = "gzip"
    return Response(body, media_type=found.media_type, headers=headers)
