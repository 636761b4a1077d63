"""Who may be told about what: the one visibility rule of notifications.

A person hears of a workspace's task (or of the workspace) only while they are an active
member of it, whatever their role. Private projects (issue 18) plug in here: `project_id`
is passed for that, and every notification goes through `audience`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from smarttask.notifications import repository
from smarttask.notifications.repository import Person


def may_see(person: Person, project_id: str | None) -> bool:
    """Whether the person may see a resource of the workspace they were looked up in."""
    del project_id  # every member sees every project today (issue 18 narrows this)
    return person.active and person.role is not None


async def audience(
    session: AsyncSession, workspace_id: str, project_id: str | None, user_ids: Iterable[str]
) -> dict[str, Person]:
    """Every one of `user_ids` with their details; `visible` marks who may be told."""
    found = await repository.people(session, workspace_id, user_ids)
    return {person.id: person for person in found}


def visible(people: dict[str, Person], project_id: str | None) -> set[str]:
    """The ids among `people` who may see a resource of the project."""
    return {user_id for user_id, person in people.items() if may_see(person, project_id)}
