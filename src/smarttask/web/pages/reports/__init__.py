"""Pages of saved reports: a workspace's list, saving from the builder, a report's page with
its table, chart, files, schedule and deliveries, and the forms that change it.

Every route goes through `reports.service` as the API's /reports routes do: a report of a
workspace one is not in, or someone else's private report, is the 404 page exactly like a
missing one; changes are refused by the service (403) for anyone but the report's owner or
a workspace admin, whatever the page offered.
"""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.reports import changes, files, listing, summary, view

router = APIRouter(include_in_schema=False)
for part in (listing, view, changes, files, summary):
    router.include_router(part.router)
