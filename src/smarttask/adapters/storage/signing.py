"""Signed, expiring URLs of the local store: HMAC-SHA256 over what the URL allows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


class InvalidSignature(Exception):
    """The URL was not signed by us for this request, or it has expired."""


class URLSigner:
    """Signs and verifies the parameters of a transfer URL with a key of its own."""

    def __init__(self, secret: str) -> None:
        # A key derived for this purpose only: a URL signature can never be a JWT's, or vice versa.
        self._key = hmac.new(secret.encode(), b"smarttask.storage.url.v1", hashlib.sha256).digest()

    def sign(self, *parts: str | int) -> str:
        """The URL-safe signature of the parts (method, key, size, type, expiry...)."""
        message = "\n".join(str(part) for part in parts).encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def verify(self, signature: str, expires: int, *parts: str | int) -> None:
        """Raise InvalidSignature unless the signature matches and `expires` has not passed."""
        expected = self.sign(*parts, expires)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidSignature("The signature does not match this request.")
        if expires < time.time():
            raise InvalidSignature("The URL has expired; ask for a new one.")
