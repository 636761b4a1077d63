"""The single sign-on tables: linked identities and sign-in attempts in flight."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base

# What a browser went to the provider for: to sign in, to link the provider to the
# signed-in user, or to prove it is them (a user without a password or TOTP) before the
# attempt's `follow_up` (`link:<provider>` or `unlink:<provider>`).
SIGN_IN = "sign_in"
LINK = "link"
CONFIRM = "confirm"


class UserIdentity(Base):
    """A person at a provider (its `sub`, or GitHub's numeric id) linked to one user.

    One identity per provider and user; `email` is the provider's at the last sign-in.
    """

    __tablename__ = "user_identity"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        # Also the index of a user's identities (the profile lists them).
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class SsoAttempt(Base):
    """One trip to a provider, used once: its state (by hash), the browser it is bound to
    (by the hash of its `st_sso` cookie), the nonce and the PKCE verifier.

    A link or confirm attempt names the user and the login that asked for it. Expired rows
    are purged.
    """

    __tablename__ = "sso_attempt"
    __table_args__ = (
        Index("ix_sso_attempt_expires_at", "expires_at"),
        Index("ix_sso_attempt_user_id", "user_id"),
        CheckConstraint("intent IN ('sign_in', 'link', 'confirm')", name="intent"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(String(36))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(2000))
    follow_up: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
