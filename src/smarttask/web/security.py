"""The headers every page is sent with: a strict Content-Security-Policy and its friends.

No page has an inline script, an inline style or an event-handler attribute: scripts and
styles come from `/static` only, so the policy needs neither nonces nor 'unsafe-inline'.
Uploads go from the browser straight to storage (presigned URLs), so `connect-src` names
the object store's origin when it is not this service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from smarttask.settings import Settings


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def upload_origins(settings: Settings) -> tuple[str, ...]:
    """Where the browser may send attachment bytes besides this service."""
    if settings.storage != "s3":
        return ()
    if settings.s3_endpoint_url:
        origin = _origin(settings.s3_endpoint_url)
        return (origin,) if origin else ()
    return ("https://*.amazonaws.com",)


def content_security_policy(settings: Settings) -> str:
    """The policy of every page of this app."""
    connect = " ".join(("'self'", *upload_origins(settings)))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
