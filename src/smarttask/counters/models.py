"""The counter class, mapped onto the Core table of counters/tables.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped

from smarttask.counters import tables
from smarttask.db.base import Base


class Counter(Base):
    """A public named counter."""

    __table__ = tables.counter

    name: Mapped[str]
    value: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
