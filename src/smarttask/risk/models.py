"""The per-workspace trained risk models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarttask.db.base import Base


class RiskModel(Base):
    """One training run of a workspace: coefficients, standardisation, held-out metrics.

    A workspace is scored by its newest run if that run is `active` (it beat the default on
    the held-out split); otherwise by the default. Every run keeps a `note` saying why.
    """

    __tablename__ = "risk_model"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    version: Mapped[int]
    active: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(32))
    coefficients: Mapped[dict[str, Any]] = mapped_column(JSON)  # "intercept" and per feature
    means: Mapped[dict[str, Any]] = mapped_column(JSON)
    scales: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    n_samples: Mapped[int]
    trained_at: Mapped[datetime]
