"""The MetaData every table is defined on, with stable constraint names (no ORM imported)."""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Shared by the ORM's declarative base (db/base.py) and the Core tables of the cold path
# (e.g. counters/tables.py), which a Lambda cold start reads without importing the ORM.
METADATA = MetaData(naming_convention=NAMING_CONVENTION)
