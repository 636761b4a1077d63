"""Analysis tables: each requested analysis, and daily token usage per workspace and per user."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class Analysis(Base):
    """An AI analysis of a task: its status, the reviewed result and what it cost.

    Rows go with their task (cascade): a deleted task leaves no analysis behind.
    """

    __tablename__ = "analysis"
    __table_args__ = (
        Index("ix_analysis_task_id_created_at", "task_id", "created_at", "id"),
        # A user's analyses in flight, held against their daily budget (analysis/budget.py).
        Index("ix_analysis_requested_by_status", "requested_by", "status"),
        # The cache: a done analysis of identical content, provider, model and prompt.
        Index(
            "ix_analysis_cache",
            "workspace_id",
            "content_hash",
            "provider",
            "model",
            "prompt_version",
            "status",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    requested_by: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    prompt_version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    cached_from: Mapped[str | None] = mapped_column(String(36))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    guardrail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class AIUsage(Base):
    """Tokens a workspace spent on analyses during one UTC day."""

    __tablename__ = "ai_usage"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class AIUserUsage(Base):
    """Tokens the analyses a user requested spent during one UTC day, in all workspaces."""

    __tablename__ = "ai_user_usage"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class AISummary(Base):
    """An executive summary already written for exactly these figures by this provider/model."""

    __tablename__ = "ai_summary"
    __table_args__ = (Index("ix_ai_summary_workspace_id_created_at", "workspace_id", "created_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    sentences: Mapped[list[str]] = mapped_column(JSON)
    refused: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
