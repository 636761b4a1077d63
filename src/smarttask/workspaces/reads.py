"""Workspace reads without the ORM session: prebuilt statements on the request's reader.

What every page of the web app shows around its content (the workspace switcher, the
names on task cards) is read here on read-only requests, on the connection the caller was
looked up on. The orders are the session path's (workspaces/repository.py).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Integer, String, bindparam, select

from smarttask.accounts.models import User
from smarttask.db.engine import Reader
from smarttask.workspaces.models import Membership, Workspace


class WorkspaceName(NamedTuple):
    """A workspace as a menu names it."""

    id: str
    name: str


# (id, name) of the workspaces `:user_id` is a member of, oldest first, `:limit` of them.
WORKSPACES_OF_USER = (
    select(Workspace.id, Workspace.name)
    .join(Membership, Membership.workspace_id == Workspace.id)
    .where(Membership.user_id == bindparam("user_id", type_=String()))
    .order_by(Workspace.created_at, Workspace.id)
    .limit(bindparam("limit", type_=Integer()))
)
# (user_id, name) of the members of `:workspace_id`, in joining order, `:limit` of them.
MEMBER_NAMES = (
    select(Membership.user_id, User.name)
    .join(User, User.id == Membership.user_id)
    .where(Membership.workspace_id == bindparam("workspace_id", type_=String()))
    .order_by(Membership.created_at, Membership.user_id)
    .limit(bindparam("limit", type_=Integer()))
)


async def workspace_names(reader: Reader, user: User, limit: int) -> list[WorkspaceName]:
    """The user's first `limit` workspaces, oldest first."""
    rows = await reader.fetch_all(WORKSPACES_OF_USER, {"user_id": user.id, "limit": limit})
    return [WorkspaceName(row["id"], row["name"]) for row in rows]


async def member_names(reader: Reader, workspace_id: str, limit: int) -> dict[str, str]:
    """Names of the workspace's first `limit` members by user id, in joining order."""
    params = {"workspace_id": workspace_id, "limit": limit}
    return {row["user_id"]: row["name"] for row in await reader.fetch_all(MEMBER_NAMES, params)}
