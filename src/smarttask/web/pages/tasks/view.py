"""What the task page shows, gathered through the services the API calls.

A part of the page needs only some of it (the analysis poll needs no comments), so
`gather` loads what the named parts need. Each list is one page of its service, read in a
fixed number of statements whatever its length: the whole page costs about twenty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.activity import feed
from smarttask.adapters.storage.factory import build_storage
from smarttask.analysis import service as analysis
from smarttask.attachments import service as attachments
from smarttask.comments import service as comments
from smarttask.fields import service as custom_fields
from smarttask.kit.problems import NotFound
from smarttask.projects import service as projects
from smarttask.settings import Settings
from smarttask.tasks import related
from smarttask.tasks import service as tasks
from smarttask.web.pages.tasks import words
from smarttask.web.signin import WebCaller
from smarttask.workflow import service as workflow
from smarttask.workspaces import service as workspaces
from smarttask.workspaces.roles import Role

PARTS = (
    "header",
    "badges",
    "details",
    "risk",
    "description",
    "subtasks",
    "dependencies",
    "analysis",
    "comments",
    "attachments",
    "activity",
)
LIST_SIZE = 50
ACTIVITY_SIZE = 30
MEMBERS = 100  # the assignee choice; a larger workspace's others are named "a member"
_PEOPLE = {"header", "details", "comments", "attachments", "activity"}


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    found: Settings = request.app.state.settings
    return found


async def gather(
    request: Request,
    session: AsyncSession,
    caller: WebCaller,
    task_id: str,
    parts: Iterable[str],
    *,
    minimum: Role = Role.VIEWER,
    full: bool = False,
    cursors: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """The template context of these parts of a task's page (`full`: the whole page).

    `cursors`: where the comments or the activity start ("Load more"); the first page
    without one.
    """
    cursors = cursors or {}
    wanted = set(PARTS if full else parts)
    user = caller.user
    task, key, access = await tasks.load_with_access(session, user, task_id, minimum)
    read = await tasks.read_one(session, task, key)
    role = access.role
    context: dict[str, Any] = {
        "task": read,
        "workspace": access.workspace,
        "role": role.value,
        "can_edit": role.at_least(Role.MEMBER),
        "is_admin": role.at_least(Role.ADMIN),
        "me": user.id,
        "words": words,
        "statuses": words.STATUSES,
        "priorities": words.PRIORITIES,
        "edit": None,
        "editing_comment": None,
        "oob": False,
        "errors": {},
        "values": {},
        "notice": None,
        "notice_for": None,
        "max_upload": words.size(settings_of(request).files.max_upload_bytes),
        "analysis_error": None,
        "members": [],
        "people": {},
        "added": set(),
    }
    if wanted & _PEOPLE:
        members = await workspaces.list_members(session, access, None, MEMBERS)
        context["members"] = members.items
        context["people"] = {member.user_id: member.name for member in members.items}
    if full or "details" in wanted:
        # The status is picked among the project's workflow states.
        context["states"] = await workflow.board_states(session, task.project_id)
    if full or "activity" in wanted:
        # The details box edits them; the trail names the fields a change touched.
        context["custom_fields"] = await custom_fields.all_of(session, task.workspace_id)
        context["field_defs"] = {field.id: field for field in context["custom_fields"]}
    if full:
        context["project"] = await projects.load(session, user, task.project_id, Role.VIEWER)
        context["field_values"] = read.fields
    if "analysis" in wanted:
        try:
            context["analysis"] = analysis.to_read(await analysis.latest(session, task))
        except NotFound:
            context["analysis"] = None
    suggested = context.get("analysis") is not None and context["analysis"].subtasks
    if "subtasks" in wanted or suggested:
        context["subtasks"] = await related.subtasks_page(session, task, None, LIST_SIZE)
        # Suggestions already made subtasks show as added, not as a button.
        context["added"] = {item.title.casefold() for item in context["subtasks"].items}
    if "dependencies" in wanted:
        context["dependencies"] = await related.dependencies_page(
            session, task, None, LIST_SIZE, access.private_filter_for
        )
    if "comments" in wanted:
        context["comments"] = await comments.page_for_task(
            session, task, cursors.get("comments"), LIST_SIZE, newest_first=True
        )
    if "attachments" in wanted:
        files = settings_of(request).files
        context["attachments"] = await attachments.page_for_task(
            session, task, None, LIST_SIZE, build_storage(files), files
        )
    if "activity" in wanted:
        context["activity"] = await feed.for_entity(
            session, task.workspace_id, ("task", task.id), cursors.get("activity"), ACTIVITY_SIZE
        )
    return context
