"""Invitations by email: an admin invites, the mail (through a real SMTP server, aiosmtpd)
carries the link, the invited person signs in and accepts once, with the invited role."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from smarttask.db.types import utcnow
from smarttask.jobs.queue import enqueue
from smarttask.settings import Settings
from smarttask.workspaces.jobs import PURGE_INVITATIONS
from smarttask.workspaces.models import Invitation
from tests.support import free_port
from tests.support.account_mail import (
    app_database,
    link_in,
    smtp_server,
    text_of,
    worker,
    worker_settings,
)
from tests.support.accounts import assert_problem, register_and_login
from tests.support.workspaces import Account, add_member, new_workspace, signup

API = "/api/v1"
FIELDS = {"id", "workspace_id", "email", "role", "invited_by", "created_at", "expires_at"}


async def person(client: httpx.AsyncClient, email: str) -> Account:
    """A registered, signed-in person with this email."""
    headers = await register_and_login(client, email)
    me = await client.get(f"{API}/users/me", headers=headers)
    return Account(id=me.json()["id"], email=email, headers=headers)


async def invite(
    client: httpx.AsyncClient, workspace_id: str, by: Account, email: str, role: str = "member"
) -> httpx.Response:
    return await client.post(
        f"{API}/workspaces/{workspace_id}/invitations",
        json={"email": email, "role": role},
        headers=by.headers,
    )


async def accept(client: httpx.AsyncClient, who: Account, token: str) -> httpx.Response:
    return await client.post(
        f"{API}/invitations/accept", json={"token": token}, headers=who.headers
    )


async def mailed(client: httpx.AsyncClient, settings: Settings, email: str) -> EmailMessage:
    """Run the jobs against a real SMTP server; the last invitation mail to `email`."""
    with smtp_server() as server:
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        found = server.to(email, "invited you")
    assert found, f"no invitation mail to {email}"
    return found[-1]


async def pending(client: httpx.AsyncClient, workspace_id: str, by: Account) -> list[Any]:
    response = await client.get(f"{API}/workspaces/{workspace_id}/invitations", headers=by.headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_invite_mail_accept_makes_a_member_with_that_role(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner, "Moon base")
    created = await invite(client, workspace_id, owner, "Grace@Example.com", "admin")
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == FIELDS
    assert (body["workspace_id"], body["email"], body["role"], body["invited_by"]) == (
        workspace_id,
        "grace@example.com",
        "admin",
        owner.id,
    )
    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(
        body["created_at"]
    )
    assert lifetime == timedelta(days=7)
    assert [item["id"] for item in await pending(client, workspace_id, owner)] == [body["id"]]

    mail = await mailed(client, settings, "grace@example.com")
    assert mail["Subject"] == "Owner invited you to Moon base on smarttask"
    assert "as admin" in text_of(mail)
    url, token = link_in(mail, "/invitations/accept")
    assert url == f"https://tasks.example.org/invitations/accept?token={token}"

    grace = await person(client, "grace@example.com")
    joined = await accept(client, grace, token)
    assert joined.status_code == 200, joined.text
    assert joined.json()["user_id"] == grace.id
    assert joined.json()["role"] == "admin"
    assert joined.json()["email"] == "grace@example.com"
    workspace = await client.get(f"{API}/workspaces/{workspace_id}", headers=grace.headers)
    assert workspace.json()["role"] == "admin"
    me = await client.get(f"{API}/users/me", headers=grace.headers)
    assert me.json()["email_verified"] is True

    assert_problem(await accept(client, grace, token), 400)  # once only
    assert await pending(client, workspace_id, owner) == []


async def test_another_user_cannot_accept(client: httpx.AsyncClient, settings: Settings) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    assert (await invite(client, workspace_id, owner, "linus@example.com")).status_code == 201
    _url, token = link_in(
        await mailed(client, settings, "linus@example.com"), "/invitations/accept"
    )
    intruder = await person(client, "mallory@example.com")
    refused = assert_problem(await accept(client, intruder, token), 403)
    assert "another email address" in refused["detail"]
    seen = await client.get(f"{API}/workspaces/{workspace_id}", headers=intruder.headers)
    assert_problem(seen, 404)
    assert_problem(await client.post(f"{API}/invitations/accept", json={"token": token}), 401)
    linus = await person(client, "LINUS@example.com")  # case does not matter
    assert (await accept(client, linus, token)).status_code == 200


async def test_revoked_and_expired_invitations_are_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    revoked = (await invite(client, workspace_id, owner, "gone@example.com")).json()
    assert (await invite(client, workspace_id, owner, "late@example.com")).status_code == 201
    with smtp_server() as server:
        await worker(app_database(client), worker_settings(settings, server.port)).drain()
        [gone_mail] = server.to("gone@example.com", "invited you")
        [late_mail] = server.to("late@example.com", "invited you")
    _url, gone_token = link_in(gone_mail, "/invitations/accept")
    _url, late_token = link_in(late_mail, "/invitations/accept")

    deleted = await client.delete(f"{API}/invitations/{revoked['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    assert_problem(
        await client.delete(f"{API}/invitations/{revoked['id']}", headers=owner.headers), 404
    )
    gone = await person(client, "gone@example.com")
    assert_problem(await accept(client, gone, gone_token), 400)

    async with app_database(client).session() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.email == "late@example.com")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    late = await person(client, "late@example.com")
    expired = assert_problem(await accept(client, late, late_token), 400)
    assert "expired" in expired["detail"]
    assert await pending(client, workspace_id, owner) == []  # neither is pending any more
    for who in (gone, late):
        seen = await client.get(f"{API}/workspaces/{workspace_id}", headers=who.headers)
        assert_problem(seen, 404)


async def test_who_may_invite_and_with_which_role(client: httpx.AsyncClient) -> None:
    owner = await signup(client, "Owner")
    admin = await signup(client, "Admin")
    member = await signup(client, "Member")
    stranger = await signup(client, "Stranger")
    workspace_id = await new_workspace(client, owner)
    await add_member(client, workspace_id, owner, admin, "admin")
    await add_member(client, workspace_id, owner, member, "member")

    assert_problem(await invite(client, workspace_id, member, "a@example.com"), 403)
    listed = await client.get(
        f"{API}/workspaces/{workspace_id}/invitations", headers=member.headers
    )
    assert_problem(listed, 403)
    assert_problem(await invite(client, workspace_id, stranger, "a@example.com"), 404)
    listed = await client.get(
        f"{API}/workspaces/{workspace_id}/invitations", headers=stranger.headers
    )
    assert_problem(listed, 404)
    for role in ("admin", "owner"):  # not above the inviter's role; admins grant no admin
        assert_problem(await invite(client, workspace_id, admin, "b@example.com", role), 403)
    assert (await invite(client, workspace_id, admin, "b@example.com", "viewer")).status_code == 201
    assert (await invite(client, workspace_id, owner, "c@example.com", "owner")).status_code == 201
    assert_problem(await invite(client, workspace_id, owner, member.email), 409)  # a member
    assert len(await pending(client, workspace_id, admin)) == 2


async def test_revoking_needs_an_admin_of_that_workspace(client: httpx.AsyncClient) -> None:
    owner = await signup(client, "Owner")
    member = await signup(client, "Member")
    stranger = await signup(client, "Stranger")
    workspace_id = await new_workspace(client, owner)
    await add_member(client, workspace_id, owner, member, "member")
    invitation = (await invite(client, workspace_id, owner, "x@example.com")).json()
    target = f"{API}/invitations/{invitation['id']}"
    assert_problem(await client.delete(target, headers=member.headers), 403)
    assert_problem(await client.delete(target, headers=stranger.headers), 404)
    assert_problem(await client.delete(f"{API}/invitations/nope", headers=owner.headers), 404)
    assert len(await pending(client, workspace_id, owner)) == 1
    assert (await client.delete(target, headers=owner.headers)).status_code == 204


async def test_a_new_invitation_replaces_the_pending_one(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    first = (await invite(client, workspace_id, owner, "twice@example.com", "viewer")).json()
    _url, old_token = link_in(
        await mailed(client, settings, "twice@example.com"), "/invitations/accept"
    )
    second = (await invite(client, workspace_id, owner, "twice@example.com", "member")).json()
    assert second["id"] != first["id"]
    assert [item["id"] for item in await pending(client, workspace_id, owner)] == [second["id"]]
    _url, token = link_in(
        await mailed(client, settings, "twice@example.com"), "/invitations/accept"
    )
    twice = await person(client, "twice@example.com")
    assert_problem(await accept(client, twice, old_token), 400)
    joined = await accept(client, twice, token)
    assert joined.json()["role"] == "member"


async def test_pending_invitations_are_listed_page_by_page(client: httpx.AsyncClient) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    made = [
        (await invite(client, workspace_id, owner, f"p{n}@example.com")).json()["id"]
        for n in range(3)
    ]
    first = await client.get(
        f"{API}/workspaces/{workspace_id}/invitations?limit=2", headers=owner.headers
    )
    page = first.json()
    assert page["next_cursor"]
    rest = await client.get(
        f"{API}/workspaces/{workspace_id}/invitations",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=owner.headers,
    )
    ids = [item["id"] for item in page["items"]] + [item["id"] for item in rest.json()["items"]]
    assert sorted(ids) == sorted(made)
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email"},
        {"email": "a\x00b@example.com"},
        {"email": "x@example.com", "role": "superuser"},
        {"email": "x@example.com", "role": 3},
        {"email": "<script>alert(1)</script>"},
        {"email": "x@example.com", "workspace_id": "other"},
    ],
)
async def test_bad_invitations_are_refused(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    response = await client.post(
        f"{API}/workspaces/{workspace_id}/invitations", json=body, headers=owner.headers
    )
    assert_problem(response, 422)
    assert await pending(client, workspace_id, owner) == []


async def test_an_invitation_to_another_tenant_is_not_found(client: httpx.AsyncClient) -> None:
    owner = await signup(client, "Owner")
    other = await signup(client, "Other")
    theirs = await new_workspace(client, other, "Theirs")
    await new_workspace(client, owner, "Mine")
    assert_problem(await invite(client, theirs, owner, "x@example.com"), 404)
    invitation = (await invite(client, theirs, other, "y@example.com")).json()
    gone = await client.delete(f"{API}/invitations/{invitation['id']}", headers=owner.headers)
    assert_problem(gone, 404)
    assert len(await pending(client, theirs, other)) == 1


async def test_expired_invitations_are_purged_and_accepted_ones_kept(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await signup(client, "Owner")
    workspace_id = await new_workspace(client, owner)
    await invite(client, workspace_id, owner, "old@example.com")
    await invite(client, workspace_id, owner, "kept@example.com")
    _url, token = link_in(await mailed(client, settings, "kept@example.com"), "/invitations/accept")
    kept = await person(client, "kept@example.com")
    assert (await accept(client, kept, token)).status_code == 200
    database = app_database(client)
    async with database.session() as session:
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(days=2)))
        await enqueue(session, PURGE_INVITATIONS, {})
        await session.commit()
    await worker(database, worker_settings(settings, free_port())).drain()
    async with database.session(writes=False) as session:
        left = (await session.scalars(select(Invitation.email))).all()
    assert left == ["kept@example.com"]
