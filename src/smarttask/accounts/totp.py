"""Time-based one-time passwords (RFC 6238), with the matched time step for replay checks."""

from __future__ import annotations

import hmac
import time
from urllib.parse import quote

STEP_SECONDS = 30


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    import pyotp  # imported on first use, like the other sign-in libraries

    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps scan."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (now ±1) whose code this is; None when it matches none."""
    if not (code.isdigit() and len(code) == 6):
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def label(email: str) -> str:
    """A URI-safe account label."""
    return quote(email, safe="@.")
