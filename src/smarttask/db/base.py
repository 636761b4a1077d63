"""The declarative base every table derives from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase

from smarttask.db.metadata import METADATA
from smarttask.db.types import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base with stable constraint names and UTC timestamps."""

    metadata = METADATA
    type_annotation_map = {datetime: UTCDateTime()}
