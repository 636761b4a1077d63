"""Attachment bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from smarttask.adapters.storage.policy import (
    is_refused_type,
    normalise_content_type,
    sanitise_filename,
)
from smarttask.kit.schemas import InputSchema

Status = Literal["pending", "ready"]
# `type/subtype` without parameters, as adapters/storage/policy.py accepts it (any case).
MEDIA_TYPE_PATTERN = (
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
)


class AttachmentCreate(InputSchema):
    """A file about to be uploaded: its name, media type and exact size in bytes."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"filename": "design.png", "content_type": "image/png", "size": 48213}]
        }
    )

    filename: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    content_type: Annotated[
        str, StringConstraints(min_length=3, max_length=127, pattern=MEDIA_TYPE_PATTERN)
    ]
    size: Annotated[int, Field(ge=0, le=2**53)]

    @field_validator("filename")
    @classmethod
    def _sanitise(cls, value: str) -> str:
        return sanitise_filename(value)

    @field_validator("content_type")
    @classmethod
    def _allowed_type(cls, value: str) -> str:
        media = normalise_content_type(value)
        if is_refused_type(media):
            raise ValueError(
                f"{media} is not accepted: it could run in a browser "
                "(upload it as application/octet-stream instead)"
            )
        return media


class UploadRead(BaseModel):
    """How to send the bytes: one request with this method, URL and headers, before expiry."""

    method: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


class AttachmentRead(BaseModel):
    """An attachment; a ready one carries a short-lived download URL."""

    id: str
    task_id: str
    workspace_id: str
    filename: str
    content_type: str
    size: int
    status: Status
    uploader_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    download_url: str | None = None
    download_expires_at: datetime | None = None
    upload: UploadRead | None = None
