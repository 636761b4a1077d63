"""Webhook signing secrets: made here, shown once, kept encrypted at rest.

The server signs every delivery, so it must be able to read the secret back: it is
encrypted with AES-256-GCM under a key derived from SMARTTASK_SECRET_KEY for this purpose
only. After a key rotation, SMARTTASK_PREVIOUS_SECRET_KEYS still decrypt what the older
key encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as random

PREFIX = "whsec_"
_SCHEME = "v1."
_PURPOSE = b"smarttask.webhooks.secret.v1"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """No configured key decrypts a stored secret (the signing key was replaced)."""


def new_secret() -> str:
    """A new signing secret: `whsec_` and the base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def encrypt(plain: str, secret_key: str) -> str:
    """The secret, encrypted for storage under the current signing key."""
    # cryptography is imported by the few requests that seal or open a secret, not by every
    # write whose reactions merely look for webhooks (a Lambda cold start).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, plain.encode(), _PURPOSE)
    return _SCHEME + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(stored: str, keys: tuple[str, ...]) -> str:
    """A stored secret in clear, by the first key (current, then previous) that opens it."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not stored.startswith(_SCHEME):
        raise SecretUnreadable("unknown secret encoding")
    raw = base64.urlsafe_b64decode(stored[len(_SCHEME) :].encode())
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    for key in keys:
        try:
            return AESGCM(_key(key)).decrypt(nonce, sealed, _PURPOSE).decode()
        except InvalidTag:
            continue
    raise SecretUnreadable("no configured signing key decrypts this webhook secret")
