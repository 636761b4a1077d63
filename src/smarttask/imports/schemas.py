"""Import and export bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from smarttask.kit.schemas import OutputSchema

ExportFormat = Literal["csv", "json"]


class ImportCounts(OutputSchema):
    """What an import created."""

    tasks: int
    labels: int
    comments: int
    dependencies: int
    # Reports written before time entries were imported have none.
    time_entries: int = 0


class ImportRefusal(OutputSchema):
    """Something of the file left out, and why."""

    item: str
    reason: str


class ImportReport(OutputSchema):
    """What an import created, translated and refused (`refused_total` counts them all;
    the lists show the first 500)."""

    created: ImportCounts
    mapped: list[dict[str, str]]  # {"from": ..., "to": ...}
    refused: list[ImportRefusal]
    refused_total: int


class ImportRead(OutputSchema):
    """An import and, once done, its report."""

    id: str
    project_id: str
    status: Literal["pending", "running", "done", "failed"]
    format: str
    filename: str | None
    size: int
    created_at: datetime
    finished_at: datetime | None
    report: ImportReport | None
    error: str | None
