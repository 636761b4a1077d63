"""Pages of a workspace's figures: the dashboard and the report builder.

Every route resolves the caller's scope through `analytics.service.scope`, as the API's
/analytics calls do (a non-member gets the 404 page, exactly as for a missing workspace),
and reads its figures from the same service functions.
"""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.analytics import builder, dashboard, summary

router = APIRouter(include_in_schema=False)
router.include_router(dashboard.router)
router.include_router(builder.router)
router.include_router(summary.router)
