"""Counter tables in Core: a counter read or increment on a cold start needs no ORM.

The ORM class of counters/models.py is mapped onto `counter`; `counter_quota` is Core only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, String, Table

from smarttask.db.metadata import METADATA
from smarttask.db.types import UTCDateTime

counter = Table(
    "counter",
    METADATA,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

counter_quota = Table(
    "counter_quota",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("used", Integer, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)
