"""Notifications from the events of a transaction, written before it commits.

For each change: watchers are recorded (the reporter and the assignee of a new task, a new
assignee), then who is told what is decided (the new assignee; the mentioned members; the
watchers of a commented or re-statused task; the requester of an analysis; a workspace's
admins of a disabled webhook), one notification per person and change (`PRECEDENCE`), never
to the person who acted, and only to those `visibility` lets see it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.db.types import utcnow
from smarttask.events.outbox import Published
from smarttask.notifications import mentions, repository, service, summaries, visibility
from smarttask.notifications.kinds import PRECEDENCE, Kind
from smarttask.notifications.repository import TaskFacts
from smarttask.notifications.service import Draft

HANDLED = frozenset(
    {"task.created", "task.updated", "comment.created", "analysis.completed", "webhook.disabled"}
)


@dataclass(slots=True)
class _Change:
    """What one event may tell whom, before the rules pick one thing per person."""

    event: Published
    task_id: str | None
    project_id: str | None
    assignee: str | None = None
    watchers_of: str | None = None  # the task whose watchers hear of it
    watcher_kind: Kind | None = None
    mention_text: Kind | None = None  # MENTIONED in a comment or a description
    mentioned: mentions.Handles = field(default_factory=mentions.nobody)
    requester: str | None = None
    admins: bool = False


def _change(event: Published) -> _Change | None:
    data: dict[str, Any] = event.data
    if event.type in ("task.created", "task.updated"):
        task = data["task"]
        changes = data.get("changes") or {}
        change = _Change(event, task["id"], task.get("project_id"))
        if event.type == "task.created":
            change.assignee = task.get("assignee_id")
            change.mentioned = mentions.handles(data.get("description"))
        else:
            if "assignee_id" in changes:
                change.assignee = changes["assignee_id"].get("new")
            if "status" in changes:
                change.watchers_of, change.watcher_kind = task["id"], Kind.STATUS_CHANGED
            if "description" in changes:
                described = changes["description"]
                change.mentioned = mentions.added(described.get("old"), described.get("new"))
        change.mention_text = Kind.MENTIONED
        return change
    if event.type == "comment.created":
        comment, task = data["comment"], data["task"]
        change = _Change(event, task["id"], task.get("project_id"))
        change.watchers_of, change.watcher_kind = task["id"], Kind.COMMENT_ADDED
        change.mentioned = mentions.handles(comment.get("body"))
        change.mention_text = Kind.MENTIONED
        return change
    if event.type == "analysis.completed":
        analysis, task = data["analysis"], data["task"]
        change = _Change(event, task["id"], task.get("project_id"))
        change.requester = analysis.get("requested_by")
        return change
    if event.type == "webhook.disabled":
        change = _Change(event, None, None)
        change.admins = True
        return change
    return None


def _summary(change: _Change, kind: Kind, actor: str | None, task: TaskFacts | None) -> str:
    event = change.event
    if kind == Kind.WEBHOOK_DISABLED:
        hook = event.data.get("webhook") or {}
        return summaries.webhook_disabled(str(hook.get("url", "")), hook.get("reason"))
    assert task is not None
    name = summaries.task_name(task.key, task.title)
    if kind == Kind.TASK_ASSIGNED:
        return summaries.assigned(actor, name)
    if kind == Kind.MENTIONED:
        if event.type == "comment.created":
            return summaries.mentioned_in_comment(actor, name)
        return summaries.mentioned_in_description(actor, name)
    if kind == Kind.COMMENT_ADDED:
        return summaries.commented(actor, name)
    if kind == Kind.STATUS_CHANGED:
        return summaries.status_changed(actor, name, str(event.data["task"]["status"]))
    return summaries.analysis_done(name, str(event.data["analysis"].get("status")))


def _may_tell(change: _Change, watched: dict[str, set[str]]) -> bool:
    """Whether the change could tell anyone but its actor (`watched`: the watchers of the
    tasks whose watchers hear of changes). False means `_drafts` would find no one for it."""
    actor = change.event.actor_id
    if change.admins or bool(change.mentioned):
        return True
    if any(user_id and user_id != actor for user_id in (change.assignee, change.requester)):
        return True
    if change.watchers_of is None:
        return False
    return bool(watched.get(change.watchers_of, set()) - {actor})


async def react(session: AsyncSession, events: Sequence[Published]) -> None:
    """Write the notifications the transaction's events cause (and the watchers they add)."""
    changes = [c for c in (_change(e) for e in events if e.type in HANDLED) if c is not None]
    if not changes:
        return
    now = utcnow()
    new_watchers = [
        (c.task_id, user_id)
        for c in changes
        if c.event.type in ("task.created", "task.updated") and c.task_id
        for user_id in (
            c.assignee,
            c.event.data["task"].get("reporter_id") if c.event.type == "task.created" else None,
        )
        if user_id
    ]
    await repository.add_watchers(session, new_watchers, now)
    watched = await repository.watchers(session, [c.watchers_of for c in changes if c.watchers_of])
    # Most writes tell nobody (a title change, one's own task): they read nothing more.
    changes = [c for c in changes if _may_tell(c, watched)]
    if not changes:
        return
    facts = await repository.task_facts(session, [c.task_id for c in changes if c.task_id])
    by_workspace: dict[str, list[_Change]] = defaultdict(list)
    for change in changes:
        if change.event.workspace_id and (change.task_id is None or change.task_id in facts):
            if change.task_id is not None:  # where the task is now decides who may hear of it
                change.project_id = facts[change.task_id].project_id
            by_workspace[change.event.workspace_id].append(change)
    drafts: list[Draft] = []
    for workspace_id, found in by_workspace.items():
        drafts += await _drafts(session, workspace_id, found, facts, watched)
    await service.deliver(session, drafts)


async def _drafts(
    session: AsyncSession,
    workspace_id: str,
    changes: list[_Change],
    facts: dict[str, TaskFacts],
    watched: dict[str, set[str]],
) -> list[Draft]:
    """One workspace's drafts: at most one per person and change."""
    emails = {e for c in changes for e in c.mentioned.emails}
    locals_ = {name for c in changes for name in c.mentioned.locals}
    members = (
        await repository.member_emails(session, workspace_id, emails, locals_)
        if emails or locals_
        else {}
    )
    admins = []
    if any(c.admins for c in changes):
        admins = await repository.admins(session, workspace_id)
    wanted: list[tuple[_Change, dict[str, Kind]]] = []
    for change in changes:
        told: dict[str, Kind] = {}

        def tell(user_id: str | None, kind: Kind, told: dict[str, Kind] = told) -> None:
            if user_id is None:
                return
            if user_id not in told or PRECEDENCE.index(kind) < PRECEDENCE.index(told[user_id]):
                told[user_id] = kind

        if change.watchers_of:
            assert change.watcher_kind is not None
            for user_id in watched.get(change.watchers_of, ()):
                tell(user_id, change.watcher_kind)
        for user_id in mentions.resolve(change.mentioned, members):
            tell(user_id, Kind.MENTIONED)
        tell(change.assignee, Kind.TASK_ASSIGNED)
        if change.requester:
            told[change.requester] = Kind.ANALYSIS_DONE
        if change.admins:
            for user_id in admins:
                told[user_id] = Kind.WEBHOOK_DISABLED
        told.pop(change.event.actor_id or "", None)  # never of one's own action
        wanted.append((change, told))
    ids = {user_id for _, told in wanted for user_id in told}
    if not ids:
        return []
    ids |= {c.event.actor_id for c in changes if c.event.actor_id}
    projects = [c.project_id for c in changes]
    people = await visibility.audience(session, workspace_id, projects, ids)
    drafts: list[Draft] = []
    for change, told in wanted:
        allowed = visibility.visible(people, change.project_id)
        actor = people.get(change.event.actor_id or "")
        task = facts.get(change.task_id) if change.task_id else None
        for user_id, kind in sorted(told.items()):
            if user_id not in allowed:
                continue
            drafts.append(
                Draft(
                    user_id=user_id,
                    kind=kind,
                    workspace_id=workspace_id,
                    task_id=change.task_id,
                    actor_id=change.event.actor_id,
                    summary=_summary(change, kind, actor.name if actor else None, task),
                )
            )
    return drafts
