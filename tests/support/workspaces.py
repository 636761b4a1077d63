"""Helpers for tests that need signed-in users and workspaces."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx
from sqlalchemy import delete, update

from smarttask.accounts.mail_queue import VERIFICATION_MAIL
from smarttask.accounts.models import User
from smarttask.jobs.models import Job

PASSWORD = "blue-harbour-lantern-42"
_serial = itertools.count()


@dataclass(frozen=True)
class Account:
    """A signed-in test user."""

    id: str
    email: str
    headers: dict[str, str]


async def signup(client: httpx.AsyncClient, name: str | None = None) -> Account:
    """Register a fresh user and sign in."""
    email = f"{name or 'user'}{next(_serial)}@example.com"
    created = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name or "User"}
    )
    assert created.status_code == 201, created.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    await _verified(client, created.json()["id"])
    return Account(id=created.json()["id"], email=email, headers=headers)


async def _verified(client: httpx.AsyncClient, user_id: str) -> None:
    """Take the new account as verified and drop its verification mail's job.

    Registration queues that mail (docs/mail.md); the tests built on `signup` are about other
    things and count the jobs they run and the mails they receive. The account-mail tests
    register through tests/support/accounts.py instead, which keeps the mail.
    """
    app = getattr(client._transport, "app", None)
    if app is None:  # a client of a live server: nothing to settle in-process
        return
    async with app.state.database.session() as session:
        await session.execute(
            delete(Job).where(
                Job.kind == VERIFICATION_MAIL, Job.dedupe_key == f"verify-email:{user_id}"
            )
        )
        await session.execute(update(User).where(User.id == user_id).values(email_verified=True))
        await session.commit()


async def new_workspace(client: httpx.AsyncClient, owner: Account, name: str = "Team") -> str:
    """Create a workspace owned by `owner`; its id."""
    response = await client.post("/api/v1/workspaces", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def add_member(
    client: httpx.AsyncClient, workspace_id: str, by: Account, who: Account, role: str
) -> None:
    """Add `who` to the workspace with a role."""
    response = await client.post(
        f"/api/v1/workspaces/{workspace_id}/members",
        json={"email": who.email, "role": role},
        headers=by.headers,
    )
    assert response.status_code == 201, response.text
