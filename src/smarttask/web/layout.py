"""Full pages: the template inside the app's frame (top bar, workspace switcher, flash area).

Page routes render whole pages through `page`, which loads what the frame shows (the
caller's workspaces, one statement; on a read-only request on the reader, so that a page
that reads only through the reader never opens the session); htmx fragments use
`render.render` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from smarttask.notifications.reads import unread_badge
from smarttask.web.deps import page_reader
from smarttask.web.render import render
from smarttask.web.signin import WebCaller
from smarttask.workspaces import reads as workspace_reads
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.reads import WorkspaceName

# The switcher lists this many workspaces (a person may be in up to the instance's limit
# of created ones, plus those they were invited to; the rest are on /workspaces).
SWITCHER_SIZE = 50


async def page(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    workspace_id: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The template as a full page of the signed-in app."""
    reader = await page_reader(request)
    if reader is None:
        found = await workspaces.list_for_user(session, caller.user, None, SWITCHER_SIZE)
        mine = [WorkspaceName(workspace.id, workspace.name) for workspace in found.items]
    else:
        mine = await workspace_reads.workspace_names(reader, caller.user, SWITCHER_SIZE)
    unread = await unread_badge(reader, session, caller.user.id)  # the inbox badge
    frame = {"workspaces": mine, "current_workspace_id": workspace_id, "unread_count": unread}
    return render(request, template, {**frame, **(context or {})}, status=status, headers=headers)
