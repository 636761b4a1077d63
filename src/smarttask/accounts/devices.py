"""Device tokens: proof that a client signed in to an account before (OWASP "device cookie").

A successful sign-in hands the client `dv1.<user id>.<device id>.<mac>`, the MAC an
HMAC-SHA256 of the user and device ids under the secret key. Presented again at sign-in,
a token that verifies and names the account of the email makes the attempt a known
device's: its failures are counted for that device alone, so strangers guessing the
password lock out strangers, not the owner's known devices. Anything else (no token, a
forged or garbled one, one of another account) is an unknown device.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from smarttask.settings import AuthSettings

VERSION = "dv1"
_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Device:
    """A device token that verified: whose it is, and which device."""

    user_id: str
    device_id: str


def _mac(key: str, user_id: str, device_id: str) -> str:
    message = f"smarttask-device:{VERSION}:{user_id}:{device_id}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(settings: AuthSettings, user_id: str, device_id: str | None = None) -> str:
    """A device token for the user (a new device unless `device_id` is given)."""
    device_id = device_id or secrets.token_urlsafe(16)
    return f"{VERSION}.{user_id}.{device_id}.{_mac(settings.secret_key, user_id, device_id)}"


def verify(settings: AuthSettings, token: str | None) -> Device | None:
    """The device a token names if its MAC holds (current or previous key), else None."""
    if not token or len(token) > _MAX_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1] or not parts[2]:
        return None
    _version, user_id, device_id, mac = parts
    for key in (settings.secret_key, *settings.previous_secret_keys):
        if hmac.compare_digest(_mac(key, user_id, device_id), mac):
            return Device(user_id, device_id)
    return None


def fingerprint(settings: AuthSettings, value: str) -> str:
    """A keyed hash of an email or device id, for log lines (not reversible by guessing)."""
    digest = hmac.new(settings.secret_key.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:16]
