"""Pages under /workspaces: the list, a workspace's home, and its settings.

Every route loads the caller's access through `workspaces.access.require_role`, as the
API's dependencies do (a non-member gets the 404 page), and changes go through the same
services and request schemas as the API's routes.
"""

from __future__ import annotations

from fastapi import APIRouter

from smarttask.web.pages.workspaces import home, invitations, members, projects, settings

router = APIRouter(include_in_schema=False)
# `home` first: /workspaces/switch must be matched before /workspaces/{workspace_id}.
for part in (home, settings, members, invitations, projects):
    router.include_router(part.router)
