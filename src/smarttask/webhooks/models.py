"""The webhook and webhook-delivery tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base
from smarttask.db.types import JSONDocument

# A delivery waits for its first attempt (pending), waits for a retry after a failed one
# (failed), was acknowledged with a 2xx (succeeded), failed every attempt (dead), or was
# dropped because its webhook was disabled before it went out (canceled).
PENDING, FAILED, SUCCEEDED, DEAD, CANCELED = "pending", "failed", "succeeded", "dead", "canceled"
STATUSES = (PENDING, FAILED, SUCCEEDED, DEAD, CANCELED)
WAITING = (PENDING, FAILED)
ENDED = (SUCCEEDED, DEAD, CANCELED)


class Webhook(Base):
    """An HTTPS (or HTTP) endpoint of a workspace that receives the events it subscribed to.

    The signing secret is stored encrypted (webhooks/secrets.py); after a rotation the
    previous one keeps signing beside it until `previous_secret_expires_at`.
    """

    __tablename__ = "webhook"
    __table_args__ = (
        Index("ix_webhook_workspace_id_created_at", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSONDocument())
    enabled: Mapped[bool]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Set at the first failed attempt after a success (or ever); cleared by a success.
    failing_since: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}


class WebhookDelivery(Base):
    """One event sent to one webhook: its exact body, its attempts and its outcome.

    `token` names the one job allowed to make the next attempt: a redelivery gives the
    delivery a new token, so a job of an older schedule finds it stale and does nothing.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The delivery log, newest first, walked by keyset (created_at, id).
        Index(
            "ix_webhook_delivery_webhook_id_created_at",
            "webhook_id",
            text("created_at DESC"),
            text("id DESC"),
        ),
        # The retention job: the oldest deliveries first, whatever their webhook.
        Index("ix_webhook_delivery_created_at", "created_at"),
        UniqueConstraint("webhook_id", "event_id"),
        CheckConstraint(
            "status IN ('pending', 'failed', 'succeeded', 'dead', 'canceled')", name="status"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    # The JSON body exactly as sent: every attempt signs and sends the same bytes.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(36))
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
