"""The daily digest: one mail per person during SMARTTASK_NOTIFICATION_DIGEST_HOUR of their
own time zone, each item in at most one digest, delivered to a real SMTP server (aiosmtpd).
The digest function is called with a fixed "now" (docs/notifications.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from smarttask.db.engine import Database
from smarttask.jobs.worker import Worker
from smarttask.notifications.digest import Digested, send_digests
from smarttask.settings import Settings
from tests.support import free_port, job_registry, make_settings
from tests.support.mail import Inbox
from tests.support.tasks import Board, new_board, new_task
from tests.support.workspaces import Account

API = "/api/v1"
JOBS = job_registry()
HOUR = 8
# 23:10 UTC is 08:10 the next day in Tokyo (UTC+9, no daylight saving time).
TOKYO_MORNING = datetime(2031, 3, 9, 23, 10, tzinfo=UTC)
PUBLIC = "https://tasks.example.org"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1, in its own thread."""
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    yield controller.port, handler
    controller.stop()


@pytest.fixture
def worker(app: Any, settings: Settings, smtp: tuple[int, Inbox]) -> Worker:
    port, _ = smtp
    return Worker(
        app.state.database,
        make_settings(
            settings.database_url,
            mail_url=f"smtp://127.0.0.1:{port}",
            periodic_jobs_enabled=False,
            log_level="WARNING",
        ),
        JOBS,
    )


async def digest(app: Any, now: datetime) -> Digested:
    database: Database = app.state.database
    async with database.session() as session:
        done = await send_digests(session, now, HOUR, PUBLIC)
        await session.commit()
    return done


async def mails_to(worker: Worker, mailbox: Inbox, who: Account) -> list[Any]:
    """The mails `who` received so far (the queued ones delivered first)."""
    while await worker.drain():
        pass
    return [r.email for r in mailbox.received if r.recipients == [who.email]]


async def comment(client: httpx.AsyncClient, board: Board, task: dict[str, Any], text: str) -> None:
    made = await client.post(
        f"{API}/tasks/{task['id']}/comments", json={"body": text}, headers=board.owner.headers
    )
    assert made.status_code == 201, made.text


async def in_tokyo(client: httpx.AsyncClient, who: Account) -> None:
    zoned = await client.patch(
        f"{API}/users/me", json={"timezone": "Asia/Tokyo"}, headers=who.headers
    )
    assert zoned.status_code == 200


async def test_one_digest_at_the_local_hour_each_item_once(
    app: Any, client: httpx.AsyncClient, worker: Worker, smtp: tuple[int, Inbox]
) -> None:
    _, mailbox = smtp
    board = await new_board(client)
    await in_tokyo(client, board.member)
    task = await new_task(client, board, title="Digest me")  # the member watches it
    await mails_to(worker, mailbox, board.member)  # the verification mail
    before = len(await mails_to(worker, mailbox, board.member))
    await comment(client, board, task, "first")
    await comment(client, board, task, "second")
    assert len(await mails_to(worker, mailbox, board.member)) == before  # daily: not at once

    assert await digest(app, TOKYO_MORNING - timedelta(minutes=20)) == Digested()  # 07:50
    assert await digest(app, TOKYO_MORNING) == Digested(sent=1, items=2)
    assert await digest(app, TOKYO_MORNING + timedelta(minutes=30)) == Digested()  # same day
    mails = await mails_to(worker, mailbox, board.member)
    [mail] = mails[before:]
    assert mail["Subject"] == "Your smarttask digest: 2 updates"
    assert mail["List-Unsubscribe"] == f"<{PUBLIC}/profile/notifications>"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    name = f"WEB-{task['number']} \u201cDigest me\u201d"
    assert text.count(f"o commented on {name}") == 2
    assert f"{PUBLIC}/tasks/{task['id']}" in text
    assert "Mon 10 Mar 2031" in text  # the local day in Tokyo

    # a later item waits for the next day's digest
    await comment(client, board, task, "third")
    assert await digest(app, TOKYO_MORNING + timedelta(minutes=45)) == Digested()
    assert await digest(app, TOKYO_MORNING + timedelta(days=1)) == Digested(sent=1, items=1)
    assert len((await mails_to(worker, mailbox, board.member))[before:]) == 2
    # the inbox still has the items (mail and in-app are separate channels)
    listed = await client.get(f"{API}/notifications", headers=board.member.headers)
    assert len(listed.json()["items"]) == 3


async def test_each_person_at_their_own_hour_and_concurrent_runs(
    app: Any, client: httpx.AsyncClient, worker: Worker, smtp: tuple[int, Inbox]
) -> None:
    _, mailbox = smtp
    board = await new_board(client)
    await in_tokyo(client, board.member)
    task = await new_task(client, board, title="Two zones")
    watched = await client.post(f"{API}/tasks/{task['id']}/watch", headers=board.viewer.headers)
    assert watched.status_code == 200
    await comment(client, board, task, "hello")
    await mails_to(worker, mailbox, board.member)
    sent = len(mailbox.received)

    runs = await asyncio.gather(*(digest(app, TOKYO_MORNING) for _ in range(2)))
    assert sum(r.sent for r in runs) == 1  # the member (Tokyo), once; not the viewer (UTC)
    utc_morning = datetime(2031, 3, 10, HOUR, 5, tzinfo=UTC)
    assert await digest(app, utc_morning) == Digested(sent=1, items=1)  # the viewer
    await mails_to(worker, mailbox, board.viewer)
    assert sorted(r.recipients[0] for r in mailbox.received[sent:]) == sorted(
        [board.member.email, board.viewer.email]
    )


async def test_preferences_and_membership_decide_what_a_digest_holds(
    app: Any, client: httpx.AsyncClient, worker: Worker, smtp: tuple[int, Inbox]
) -> None:
    _, mailbox = smtp
    board = await new_board(client)
    url = f"{API}/users/me/notification-preferences"
    chosen = await client.put(
        url,
        json={
            "preferences": {
                "comment_added": {"in_app": False, "email": "daily"},
                "status_changed": {"in_app": True, "email": "off"},
            }
        },
        headers=board.member.headers,
    )
    assert chosen.status_code == 200
    task = await new_task(client, board, title="Prefs")
    await comment(client, board, task, "in the digest only")
    moved = await client.patch(
        f"{API}/tasks/{task['id']}", json={"status": "done"}, headers=board.owner.headers
    )
    assert moved.status_code == 200
    listed = (await client.get(f"{API}/notifications", headers=board.member.headers)).json()
    assert [n["type"] for n in listed["items"]] == ["status_changed"]  # in-app only
    morning = datetime(2031, 3, 10, HOUR, 1, tzinfo=UTC)
    assert await digest(app, morning) == Digested(sent=1, items=1)

    # an item of a workspace the person left is not mailed
    await comment(client, board, task, "after leaving")
    gone = await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    assert gone.status_code == 204
    assert await digest(app, morning + timedelta(days=1)) == Digested()
    assert await digest(app, morning + timedelta(days=2)) == Digested()  # dropped, not kept
    mails = await mails_to(worker, mailbox, board.member)
    digests = [m for m in mails if m["Subject"].startswith("Your smarttask digest")]
    assert [m["Subject"] for m in digests] == ["Your smarttask digest: 1 update"]
