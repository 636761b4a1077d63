"""Data export bodies (docs/export.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from smarttask.accounts.schemas import Proof
from smarttask.kit.schemas import OutputSchema

ExportStatus = Literal["none", "queued", "running", "ready", "failed", "expired"]


class ExportRequest(Proof):
    """Proof that the account's owner asks: `current_password`, or `totp_code` with TOTP on."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"current_password": "..."}]})


class ExportRead(OutputSchema):
    """The caller's newest export: its status and, once ready, a short-lived download URL.

    `status` is `none` when the caller never asked for one. `download_url` is present only
    while the export is `ready`: a fresh URL on every call, valid for
    SMARTTASK_EXPORT_DOWNLOAD_TTL_SECONDS (`download_expires_at`); the file itself is kept
    until `expires_at`.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5a0c3f7e-6f1b-4a53-9a55-1d3c1b7e2f10",
                    "status": "ready",
                    "created_at": "2026-12-14T10:00:00Z",
                    "finished_at": "2026-12-14T10:00:09Z",
                    "expires_at": "2026-12-17T10:00:09Z",
                    "size": 482113,
                    "download_url": "https://tasks.example.com/api/v1/storage/objects/...",
                    "download_expires_at": "2026-12-14T10:15:00Z",
                }
            ]
        }
    )

    id: str | None = None
    status: ExportStatus
    created_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(
        default=None, description="Until when the file is kept (ready exports)."
    )
    size: int | None = Field(default=None, description="The ZIP's size in bytes.")
    download_url: str | None = None
    download_expires_at: datetime | None = None
