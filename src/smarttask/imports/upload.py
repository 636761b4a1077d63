"""Reading an uploaded file off a request: multipart `file`, or the raw CSV or JSON body."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from smarttask.imports.limits import MAX_UPLOAD_BYTES
from smarttask.kit.problems import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

RAW_TYPES = ("text/csv", "application/json")


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than the limit of {MAX_UPLOAD_BYTES} bytes.")


async def read_upload(request: Request) -> tuple[bytes, str | None]:
    """The uploaded file's bytes and its name (if the upload said one)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed(
                "Send the file in the form field `file`.",
                errors=[{"loc": ["body", "file"], "msg": "field required", "type": "missing"}],
            )
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        await upload.close()
        if len(data) > MAX_UPLOAD_BYTES:
            raise _too_large()
        return data, upload.filename
    if media in RAW_TYPES:
        data = await request.body()
        if len(data) > MAX_UPLOAD_BYTES:
            raise _too_large()
        return data, None
    raise UnsupportedMediaType(
        "Send the file as multipart/form-data (field `file`), text/csv or application/json."
    )
