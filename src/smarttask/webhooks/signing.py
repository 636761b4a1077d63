"""Standard Webhooks headers: `webhook-id`, `webhook-timestamp`, `webhook-signature`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from math import floor

from standardwebhooks.webhooks import Webhook as Signer


def message_id(delivery_id: str) -> str:
    """The stable message id of a delivery: the same on every attempt, for de-duplication."""
    return f"msg_{delivery_id}"


def headers(secrets: Sequence[str], msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The signed headers of one attempt; one `v1,` signature per secret, space-separated."""
    signatures = " ".join(Signer(secret).sign(msg_id, timestamp, body) for secret in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(floor(timestamp.timestamp())),
        "webhook-signature": signatures,
    }
