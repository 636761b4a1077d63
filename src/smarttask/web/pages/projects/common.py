"""What the project pages share: the project opened for the caller, the quick-create form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from smarttask.db.types import utcnow
from smarttask.projects import reads as project_reads
from smarttask.projects import service as projects
from smarttask.projects.models import Project
from smarttask.web import layout
from smarttask.web.deps import page_reader
from smarttask.web.pages.projects.cards import PEOPLE_LIMIT, Cards, people_of
from smarttask.web.signin import WebCaller
from smarttask.workspaces import reads as workspace_reads
from smarttask.workspaces.access import WorkspaceAccess
from smarttask.workspaces.roles import Role


@dataclass(frozen=True, slots=True)
class Quick:
    """The quick-create form's value and refusal."""

    title: str = ""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """A project the caller may see, their access to its workspace, and its cards."""

    project: Project
    access: WorkspaceAccess
    cards: Cards

    async def page(
        self,
        request: Request,
        session: AsyncSession,
        caller: WebCaller,
        template: str,
        context: Mapping[str, Any],
        *,
        status: int = 200,
    ) -> Response:
        """A full page of the project, in its workspace's frame."""
        values = {
            "project": self.project,
            "workspace": self.access.workspace,
            "cards": self.cards,
            "view": self.cards.view,
            **context,
        }
        return await layout.page(
            request,
            session,
            caller,
            template,
            values,
            workspace_id=self.project.workspace_id,
            status=status,
        )


async def open_project(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    project_id: str,
    view: str,
    *,
    minimum: Role = Role.VIEWER,
    people: bool = True,
) -> Opened:
    """The project if the caller has at least `minimum` in its workspace (else 404 or 403).

    A read-only request reads it (and the members' names) on its reader, one statement each,
    as the API's fast reads do; a change goes through the session it writes with.
    """
    reader = await page_reader(request)
    if reader is None:
        project, access = await projects.load_with_access(session, caller.user, project_id, minimum)
        names = await people_of(session, access) if people else {}
    else:
        project, access = await project_reads.load_with_access(
            reader, caller.user, project_id, minimum
        )
        names = {}
        if people:
            names = await workspace_reads.member_names(reader, project.workspace_id, PEOPLE_LIMIT)
    cards = Cards(
        view=view,
        now=utcnow(),
        can_edit=access.role.at_least(Role.MEMBER),
        people=names,
    )
    return Opened(project, access, cards)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it wants a fragment)."""
    return request.headers.get("hx-request") == "true"
