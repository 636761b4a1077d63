"""The calendar feed table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class CalendarFeed(Base):
    """A user's one calendar feed; only the SHA-256 hash of its secret token is stored.

    Replacing the link rewrites the row (a new id and hash); turning it off deletes it.
    """

    __tablename__ = "calendar_feed"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
