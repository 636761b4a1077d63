"""Account tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class User(Base):
    """A person who signs in. An erased user keeps its id; email and name are gone."""

    __tablename__ = "user_account"
    __table_args__ = (Index("ix_user_account_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]
    # Set once the person opened the link of the verification mail (or accepted an invitation).
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The IANA zone of reminders and the daily digest ("UTC" until the person sets it).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class RefreshToken(Base):
    """One refresh token of a login ("family"); only its SHA-256 hash is stored."""

    __tablename__ = "refresh_token"
    __table_args__ = (
        Index("ix_refresh_token_family_id", "family_id"),
        Index("ix_refresh_token_user_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(String(36))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiToken(Base):
    """A personal API token; only its SHA-256 hash is stored, looked up directly."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user_id", "user_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AccountToken(Base):
    """A single-use token mailed to a user: a password reset or an email verification.

    Only its SHA-256 is stored; `email` is the address the mail went to (a verification
    holds only while the account still has it). Used tokens keep their row until purged.
    """

    __tablename__ = "account_token"
    __table_args__ = (
        Index("ix_account_token_user_id_purpose", "user_id", "purpose"),
        Index("ix_account_token_expires_at", "expires_at"),
        CheckConstraint("purpose IN ('password_reset', 'verify_email')", name="purpose"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
