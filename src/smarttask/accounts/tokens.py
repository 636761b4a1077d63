"""Signed access tokens (JWT, algorithm pinned, keys rotated by kid) and opaque secrets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from smarttask.settings import AuthSettings

ALGORITHM = "HS256"
API_TOKEN_PREFIX = "stk_"  # noqa: S105 - a public prefix, not a secret
ACCESS = "access"
# A web app's session cookie: the same claims, its own kind, so that neither is accepted as
# the other (web/session.py).
WEB_SESSION = "web"
# A web sign-in whose password was right and whose one-time code is still to come.
SIGN_IN_STEP = "sign-in-step"
_VERIFIED_CACHE_SIZE = 4096


def key_id(key: str) -> str:
    """A short public identifier of a signing key."""
    return hashlib.sha256(b"smarttask-kid:" + key.encode()).hexdigest()[:12]


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest under which an opaque token is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token() -> str:
    """A fresh opaque refresh token (256 random bits)."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """A fresh personal API token: a recognisable prefix and 256 random bits."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: str
    session_id: str
    expires_at: datetime
    kind: str = ACCESS


class InvalidToken(Exception):
    """The token is malformed, forged, expired, of the wrong kind or for someone else."""


class AccessTokens:
    """Issues and verifies access tokens with the current key; older keys still verify."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self._signing_kid = key_id(settings.secret_key)
        self._keys = {key_id(k): k for k in (*settings.previous_secret_keys, settings.secret_key)}
        # Tokens that verified, with their claims. The same token is presented on every request of
        # its ~15 minutes, and a PyJWT decode is costly (docs/benchmarks.md). The verdict of a token
        # string cannot change but by expiring, which `verify` checks on every hit (failures are not
        # kept: a not-yet-valid token may become valid).
        self._verified: dict[str, AccessClaims] = {}

    @property
    def ttl_seconds(self) -> int:
        """Lifetime of an access token."""
        return self.settings.access_token_ttl_seconds

    def issue(
        self,
        user_id: str,
        session_id: str,
        now: datetime,
        *,
        kind: str = ACCESS,
        ttl_seconds: int | None = None,
    ) -> str:
        """A signed token of this kind (by default an access token) for the user's login."""
        import jwt  # on first use: PyJWT loads cryptography, slow on a cold start

        lifetime = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        claims = {
            "sub": user_id,
            "sid": session_id,
            "typ": kind,
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(
            claims,
            self.settings.secret_key,
            algorithm=ALGORITHM,
            headers={"kid": self._signing_kid},
        )

    def verify(self, token: str, *, kind: str = ACCESS) -> AccessClaims:
        """The claims of a valid token of this kind (by default access), else InvalidToken."""
        claims = self._verified.get(token)
        if claims is not None:
            if claims.expires_at <= datetime.now(UTC):
                raise InvalidToken("Signature has expired")
            if claims.kind != kind:
                raise InvalidToken(f"not a {kind} token")
            return claims
        claims = self._verify(token)
        if claims.kind != kind:
            raise InvalidToken(f"not a {kind} token")
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> AccessClaims:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(str(header.get("kid")))
            if key is None or header.get("alg") != ALGORITHM:
                raise InvalidToken("unknown key or algorithm")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "typ", "sid"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        return AccessClaims(
            user_id=str(claims["sub"]),
            session_id=str(claims["sid"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            kind=str(claims["typ"]),
        )
