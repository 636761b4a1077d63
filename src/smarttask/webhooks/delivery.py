"""One delivery attempt: sign, POST to the checked address, read a bounded answer, record.

The delivery and its webhook are read in a short session of their own, so no transaction
stays open while the receiver answers; the outcome is then written in the job's session
(committed by the runner) together with the job of the next attempt, so a delivery's row
and its schedule never disagree. A worker killed mid-attempt writes nothing: the job's
lease expires and another worker makes the attempt again, with the same `webhook-id`.

Retries follow the Standard Webhooks schedule (after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
10 h: eight attempts over about 27.5 hours), then the delivery is dead. A webhook whose
attempts have all failed for 24 hours is disabled (`webhook.disabled`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.engine import Database
from smarttask.db.types import new_id, utcnow
from smarttask.jobs.retry import describe_error
from smarttask.kit import metrics
from smarttask.settings import Settings
from smarttask.webhooks import repository, secrets, service, signing, targets
from smarttask.webhooks.models import CANCELED, DEAD, FAILED, SUCCEEDED, WAITING

SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DISABLE_AFTER = timedelta(hours=24)
EXCERPT_CHARS = 500
USER_AGENT = "smarttask-webhooks/1"
UNREADABLE = (
    "The webhook's secret cannot be decrypted with SMARTTASK_SECRET_KEY or "
    "SMARTTASK_PREVIOUS_SECRET_KEYS; rotate the secret."
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced."""

    ok: bool
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    delivery_id: str
    webhook_id: str
    attempts: int
    body: str
    url: str
    enabled: bool
    secret: str
    previous_secret: str | None
    previous_expires_at: datetime | None


# A webhook URL may carry a credential in its path or query (many services work so): the
# request line httpx logs at INFO is kept out of the logs while a delivery is being sent.
_SENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("webhook_sending", default=False)


class _QuietWhileSending(logging.Filter):
    """Drops httpx's request log lines of webhook deliveries (their URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except those logged inside a delivery."""
        return not _SENDING.get()


logging.getLogger("httpx").addFilter(_QuietWhileSending())


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA store is slow)."""
    return ssl.create_default_context()


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("\x00", "")
    return text[:EXCERPT_CHARS]


async def send(
    target: targets.Target,
    headers: dict[str, str],
    body: str,
    *,
    time_limit: float,
    max_bytes: int,
) -> Outcome:
    """POST the body to a checked address (the next one if a connection is refused);
    redirects are not followed; the answer is read up to `max_bytes`."""
    token = _SENDING.set(True)
    try:
        return await _send(target, headers, body, time_limit=time_limit, max_bytes=max_bytes)
    finally:
        _SENDING.reset(token)


async def _send(
    target: targets.Target,
    headers: dict[str, str],
    body: str,
    *,
    time_limit: float,
    max_bytes: int,
) -> Outcome:
    request_headers = {
        **headers,
        "Host": target.host_header(),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    extensions: dict[str, Any] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(time_limit),
        follow_redirects=False,
        trust_env=False,
        verify=_tls(),
    ) as client:
        try:
            async with asyncio.timeout(time_limit):
                for index, address in enumerate(target.addresses):
                    request = client.build_request(
                        "POST",
                        target.connect_url(address),
                        content=body.encode(),
                        headers=request_headers,
                        extensions=extensions,
                    )
                    try:
                        response = await client.send(request, stream=True)
                    except httpx.ConnectError:
                        if index + 1 < len(target.addresses):
                            continue  # the next checked address of the name
                        raise
                    break
                try:
                    received = bytearray()
                    async for chunk in response.aiter_raw():
                        received += chunk
                        if len(received) >= max_bytes:
                            break
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(False, error=f"No answer within {time_limit:g} seconds.")
        except httpx.HTTPError as error:
            return Outcome(False, error=describe_error(error))
    status = response.status_code
    excerpt = _excerpt(bytes(received[:max_bytes]))
    if 200 <= status < 300:
        return Outcome(True, status, excerpt)
    return Outcome(False, status, excerpt, f"The receiver answered {status}.")


async def _snapshot(database: Database, delivery_id: str, token: str) -> _Snapshot | None:
    async with database.session() as session:
        delivery = await repository.get_delivery(session, delivery_id)
        if delivery is None or delivery.token != token or delivery.status not in WAITING:
            return None  # deleted, settled, or redelivered under a newer job
        webhook = await repository.get(session, delivery.webhook_id)
        if webhook is None:
            return None
        return _Snapshot(
            delivery.id,
            webhook.id,
            delivery.attempts,
            delivery.body,
            webhook.url,
            webhook.enabled,
            webhook.secret,
            webhook.previous_secret,
            webhook.previous_secret_expires_at,
        )


def _secrets(snapshot: _Snapshot, settings: Settings, now: datetime) -> list[str]:
    keys = service.signing_keys(settings)
    found = [secrets.decrypt(snapshot.secret, keys)]
    expires = snapshot.previous_expires_at
    if snapshot.previous_secret and expires is not None and expires > now:
        with contextlib.suppress(secrets.SecretUnreadable):  # rotated away from it
            found.append(secrets.decrypt(snapshot.previous_secret, keys))
    return found


async def attempt(
    session: AsyncSession, database: Database, settings: Settings, delivery_id: str, token: str
) -> None:
    """Make one attempt of a delivery if `token` still holds it; write the outcome."""
    snapshot = await _snapshot(database, delivery_id, token)
    if snapshot is None:
        return
    if not snapshot.enabled:
        values = {"status": CANCELED, "next_attempt_at": None, "error": "The webhook is disabled."}
        if await repository.settle_attempt(session, delivery_id, token, values):
            metrics.webhook_delivered(CANCELED)
        return
    started = utcnow()
    try:
        target = await targets.check(snapshot.url, allow_private=settings.webhook_allow_private)
        signing_secrets = _secrets(snapshot, settings, started)
    except targets.TargetRefused as refused:
        outcome = Outcome(False, error=f"Refused: {refused}")
    except secrets.SecretUnreadable:
        outcome = Outcome(False, error=UNREADABLE)
    else:
        headers = signing.headers(
            signing_secrets, signing.message_id(delivery_id), started, snapshot.body
        )
        outcome = await send(
            target,
            headers,
            snapshot.body,
            time_limit=settings.webhook_timeout_seconds,
            max_bytes=settings.webhook_max_response_bytes,
        )
    await record(session, snapshot, token, outcome, utcnow())


async def record(
    session: AsyncSession, snapshot: _Snapshot, token: str, outcome: Outcome, now: datetime
) -> None:
    """Write an attempt's outcome, queue the next attempt or give up, maybe disable."""
    attempts = snapshot.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "response_status": outcome.status,
        "response_excerpt": outcome.excerpt,
        "error": outcome.error,
    }
    next_token = new_id()
    if outcome.ok:
        values |= {"status": SUCCEEDED, "succeeded_at": now, "next_attempt_at": None}
    elif attempts <= len(SCHEDULE):
        next_at = now + SCHEDULE[attempts - 1]
        values |= {"status": FAILED, "next_attempt_at": next_at, "token": next_token}
    else:
        values |= {"status": DEAD, "next_attempt_at": None}
    if not await repository.settle_attempt(session, snapshot.delivery_id, token, values):
        return  # redelivered meanwhile: the newer job owns the delivery now
    metrics.webhook_delivered(values["status"])
    if values["status"] == FAILED:
        await service.schedule_attempt(
            session, snapshot.delivery_id, next_token, values["next_attempt_at"]
        )
    await _webhook_health(session, snapshot.webhook_id, outcome.ok, now)


async def _webhook_health(session: AsyncSession, webhook_id: str, ok: bool, now: datetime) -> None:
    """Track the webhook's failure state; disable it after 24 hours of nothing but failures."""
    if ok:
        await repository.mark_success(session, webhook_id, now)
        return
    webhook = await repository.get(session, webhook_id)
    if webhook is None or not webhook.enabled:
        return
    if webhook.failing_since is None:
        await repository.mark_failing(session, webhook_id, now)
        return
    if now - webhook.failing_since >= DISABLE_AFTER:
        since = webhook.failing_since.strftime("%Y-%m-%d %H:%M UTC")
        reason = f"Every delivery attempt has failed since {since}."
        await service.disable_for_failures(session, webhook_id, reason)
