"""The idempotency rules: claim a key, replay an answer, or refuse."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from smarttask.db.engine import Database
from smarttask.db.types import utcnow
from smarttask.kit.idempotency import repository
from smarttask.kit.idempotency.models import IdempotencyKey
from smarttask.kit.problems import Conflict, ValidationFailed

_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
# Headers of the first answer that a replay repeats.
REPLAYED_HEADERS = ("content-type", "location", "etag")
# Answers that say nothing final about the request: the key is released, a retry runs again.
TRANSIENT_STATUSES = frozenset({401, 403, 408, 425, 429})


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request now holds."""

    row_id: str


def validate_key(key: str) -> str:
    """The key if acceptable (1-255 visible ASCII characters); else a 422 problem."""
    if not _KEY_PATTERN.fullmatch(key):
        raise ValidationFailed(
            "Idempotency-Key must be 1-255 visible ASCII characters.",
            errors=[
                {"loc": ["header", "Idempotency-Key"], "msg": "invalid key", "type": "value_error"}
            ],
        )
    return key


def request_fingerprint(key: bytes, method: str, path: str, query: bytes, body: bytes) -> str:
    """A keyed hash of what makes two requests "the same request".

    Keyed (HMAC) so that a stored fingerprint of a body holding a secret is no offline
    shortcut to that secret.
    """
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def replay(status: int, headers: dict[str, str], body: bytes) -> Response:
    """The stored answer, marked as a replay."""
    response = Response(body, status_code=status, headers=headers)
    response.headers["idempotent-replayed"] = "true"
    return response


def _decide(row: IdempotencyKey, request_hash: str, now: datetime) -> Response | None:
    """The answer an existing row dictates, or None when this request may take it over."""
    if row.expires_at <= now:
        return None
    if row.request_hash != request_hash:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request body.",
            errors=[
                {
                    "loc": ["header", "Idempotency-Key"],
                    "msg": "key reused with another body",
                    "type": "idempotency_mismatch",
                }
            ],
        )
    if row.status == "done":
        assert row.response_status is not None
        return replay(
            row.response_status, dict(row.response_headers or {}), row.response_body or b""
        )
    if row.locked_until > now:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry later.",
            headers={"Retry-After": "1"},
        )
    return None  # its holder died: the lease is over


@dataclass(frozen=True, slots=True)
class KeyUse:
    """A request's use of a key: whose, which, the request's fingerprint, and how long a
    claim is held (its lease) and kept (its ttl)."""

    principal: str
    key: str
    request_hash: str
    request_id: str | None
    lease_seconds: int
    ttl_seconds: int

    @property
    def lease(self) -> timedelta:
        """How long a claim is held before another request may take it over."""
        return timedelta(seconds=self.lease_seconds)

    @property
    def ttl(self) -> timedelta:
        """How long a claim and its answer are kept."""
        return timedelta(seconds=self.ttl_seconds)

    def claim_row(self, now: datetime) -> dict[str, Any]:
        """The values of a new running claim made at `now`."""
        return repository.claim_row(
            principal=self.principal,
            key=self.key,
            request_hash=self.request_hash,
            request_id=self.request_id,
            now=now,
            lease=self.lease,
            ttl=self.ttl,
        )


async def lookup(session: AsyncSession, use: KeyUse) -> Response | None:
    """Read-only first look: a replay, a 409/422 problem, or None to go on and claim."""
    row = await repository.get(session, use.principal, use.key)
    return None if row is None else _decide(row, use.request_hash, utcnow())


async def claim_new(database: Database, use: KeyUse) -> Claim | None:
    """PostgreSQL: claim a key no request holds yet, in one statement committed at once (the
    common case); None when the key is known, for `claim` to decide in a transaction."""
    row_id = await repository.insert_claim_at_once(database, use.claim_row(utcnow()))
    return None if row_id is None else Claim(row_id)


async def claim(session: AsyncSession, use: KeyUse) -> Claim | Response:
    """Claim the key for this request, or the answer to give instead (replay, 409, 422)."""
    now = utcnow()
    for _ in range(3):
        row_id = await repository.insert_claim(session, use.claim_row(now))
        if row_id is not None:
            return Claim(row_id)
        row = await repository.get(session, use.principal, use.key)
        if row is None:  # released between our insert and our read: try again
            continue
        answer = _decide(row, use.request_hash, now)
        if answer is not None:
            return answer
        if await repository.take_over(
            session,
            row,
            request_hash=use.request_hash,
            request_id=use.request_id,
            now=now,
            lease=use.lease,
            ttl=use.ttl,
        ):
            return Claim(row.id)
    raise Conflict("This Idempotency-Key is contended; retry later.", headers={"Retry-After": "1"})
