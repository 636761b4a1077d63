"""Who may be told about what: the one visibility rule of notifications.

A person hears of a workspace's task (or of the workspace) only while they are an active
member of it, whatever their role, and of a private project's task only while they can see
that project (one of its project members, or an admin or owner of the workspace:
workspaces/access.py's `project_role` decides). Every notification goes through
`audience`; the inbox, the badge and the digest also leave out, when read, what their
reader can no longer see (`sight.readable`). `hidden_projects` serves the other
readers of a workspace's events too (the live streams, the webhooks' creators).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.notifications import repository, sight
from smarttask.notifications.repository import Person
from smarttask.workspaces.access import project_role


def may_see(person: Person, project_id: str | None) -> bool:
    """Whether the person may see a resource of the workspace they were looked up in (of the
    project, one of those `audience` was asked about)."""
    if not person.active or person.role is None:
        return False
    return project_id is None or project_id not in person.hidden


async def hidden_projects(
    session: AsyncSession,
    workspace_id: str,
    roles: Mapping[str, str | None],
    project_ids: Iterable[str | None] | None = None,
) -> dict[str, frozenset[str]]:
    """For each user (by their role in the workspace, None: not a member), the workspace's
    private projects they cannot see: among `project_ids`, or all of them when None."""
    hidden: dict[str, frozenset[str]] = dict.fromkeys(roles, frozenset())
    # Those who see every project (admins and owners) need no look-up.
    narrowed = {
        user_id
        for user_id, role in roles.items()
        if project_role(role, private=True, project_member=False) is None
    }
    asked = None if project_ids is None else {p for p in project_ids if p is not None}
    if not narrowed or asked == set():
        return hidden
    private = await sight.private_projects(session, workspace_id, narrowed, asked)
    for user_id in narrowed:
        hidden[user_id] = frozenset(
            project_id
            for project_id, members in private.items()
            if project_role(roles[user_id], private=True, project_member=user_id in members) is None
        )
    return hidden


async def audience(
    session: AsyncSession,
    workspace_id: str,
    project_ids: Iterable[str | None],
    user_ids: Iterable[str],
) -> dict[str, Person]:
    """Every one of `user_ids` with their details and the private projects among
    `project_ids` hidden from them; `may_see` and `visible` say who may be told."""
    found = await repository.people(session, workspace_id, user_ids)
    hidden = await hidden_projects(
        session, workspace_id, {person.id: person.role for person in found}, project_ids
    )
    return {person.id: replace(person, hidden=hidden[person.id]) for person in found}


def visible(people: dict[str, Person], project_id: str | None) -> set[str]:
    """The ids among `people` who may see a resource of the project."""
    return {user_id for user_id, person in people.items() if may_see(person, project_id)}
