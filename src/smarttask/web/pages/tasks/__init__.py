"""The task page, `/tasks/{id}`, and its changes under `/tasks/{id}/...` (docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.tasks import analysis, discussion, files, more, neighbours, page

router = APIRouter(include_in_schema=False)
for module in (page, neighbours, discussion, files, analysis, more):
    router.include_router(module.router)
