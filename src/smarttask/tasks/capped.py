"""Counts that stop early: "more than N" instead of scanning a large project to the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, func, select

from smarttask.tasks.models import Task


def capped_count(outer: Any, cap: int, *where: Any) -> ScalarSelect[int]:
    """How many tasks meet `where` (which may name `outer`, the enclosing statement's table),
    counted up to `cap + 1`: a count past `cap` means "more than cap", and the scan stops."""
    upto = select(Task.id).where(*where).correlate(outer).limit(cap + 1).subquery()
    return select(func.count()).select_from(upto).scalar_subquery()
