"""The storage adapter of the running app, as a typed dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smarttask.adapters.storage.base import Storage
from smarttask.adapters.storage.factory import build_storage
from smarttask.settings import Settings, StorageSettings


async def get_files(request: Request) -> StorageSettings:
    """The attachment-storage settings of the app."""
    settings: Settings = request.app.state.settings
    return settings.files


FilesDep = Annotated[StorageSettings, Depends(get_files)]


async def get_storage(files: FilesDep) -> Storage:
    """The storage adapter (built once per settings; no network until used)."""
    return build_storage(files)


StorageDep = Annotated[Storage, Depends(get_storage)]
