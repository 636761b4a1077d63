"""Notifications through the API: the inbox, reading, watching, preferences, mentions, the
events on the user's stream, the person's time zone (docs/notifications.md)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from smarttask.db.engine import Database
from smarttask.events.models import Event
from smarttask.notifications import mentions
from smarttask.notifications.kinds import DEFAULTS, Kind
from tests.support.accounts import assert_problem
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.web import post_form, web_login
from tests.support.workspaces import PASSWORD, Account, add_member, new_workspace, signup

API = "/api/v1"


async def inbox(client: httpx.AsyncClient, who: Account, **params: Any) -> list[dict[str, Any]]:
    """Every item of a person's inbox, newest first."""
    return await walk(client, f"{API}/notifications", who.headers, **params)


async def user_events(app: Any, user_id: str) -> list[Event]:
    """The events of a user's own stream, in order."""
    database: Database = app.state.database
    async with database.session(writes=False) as session:
        rows = await session.scalars(
            select(Event).where(Event.stream == f"u:{user_id}").order_by(Event.seq)
        )
        return list(rows.all())


async def assign(client: httpx.AsyncClient, board: Board, task: dict[str, Any], to: str) -> None:
    response = await client.patch(
        f"{API}/tasks/{task['id']}", json={"assignee_id": to}, headers=board.owner.headers
    )
    assert response.status_code == 200, response.text


async def test_an_assignment_reaches_the_assignee_with_a_sentence_and_an_event(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Fix login")
    await assign(client, board, task, board.member.id)

    [item] = await inbox(client, board.member)
    assert item["type"] == "task_assigned"
    assert item["summary"] == f"o assigned you WEB-{task['number']} \u201cFix login\u201d"
    assert item["task_id"] == task["id"]
    assert item["actor_id"] == board.owner.id
    assert item["workspace_id"] == board.workspace_id
    assert item["read_at"] is None
    assert set(item) == {
        "id",
        "type",
        "workspace_id",
        "task_id",
        "actor_id",
        "summary",
        "created_at",
        "read_at",
    }
    assert await inbox(client, board.owner) == []  # never of one's own action
    assert await inbox(client, board.viewer) == []

    [created] = await user_events(app, board.member.id)
    assert created.type == "notification.created"
    assert created.data["notification"]["id"] == item["id"]
    assert created.data["unread"] == 1


async def test_reading_one_and_all_and_the_unread_filter(
    app: Any, client: httpx.AsyncClient
) -> None:
    board = await new_board(client)
    tasks = [await new_task(client, board, title=f"t{i}") for i in range(3)]
    for task in tasks:
        await assign(client, board, task, board.member.id)
    first, second, third = await inbox(client, board.member)
    assert [first["summary"][-4:], third["summary"][-4:]] == ["\u201ct2\u201d", "\u201ct0\u201d"]

    read = await client.post(
        f"{API}/notifications/{second['id']}/read", headers=board.member.headers
    )
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    again = await client.post(
        f"{API}/notifications/{second['id']}/read", headers=board.member.headers
    )
    assert again.json()["read_at"] == read.json()["read_at"]  # reading twice changes nothing
    unread = await inbox(client, board.member, unread="true")
    assert [n["id"] for n in unread] == [first["id"], third["id"]]

    # someone else's notification is not there for them, and stays unread
    assert_problem(
        await client.post(f"{API}/notifications/{first['id']}/read", headers=board.owner.headers),
        404,
    )
    assert_problem(
        await client.post(f"{API}/notifications/nope/read", headers=board.member.headers), 404
    )
    assert len(await inbox(client, board.member, unread="true")) == 2

    done = await client.post(f"{API}/notifications/read-all", headers=board.member.headers)
    assert done.status_code == 200
    assert done.json() == {"marked": 2, "unread": 0}
    assert await inbox(client, board.member, unread="true") == []
    assert len(await inbox(client, board.member)) == 3

    events = await user_events(app, board.member.id)
    assert [e.type for e in events] == ["notification.created"] * 3 + ["notification.read"] * 2
    assert [e.data["unread"] for e in events] == [1, 2, 3, 2, 0]


async def test_the_inbox_pages_by_keyset_without_skipping_new_items(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    for i in range(5):
        task = await new_task(client, board, title=f"p{i}")
        await assign(client, board, task, board.member.id)
    page = await client.get(
        f"{API}/notifications", params={"limit": 2}, headers=board.member.headers
    )
    body = page.json()
    assert len(body["items"]) == 2
    assert body["next_cursor"]
    task = await new_task(client, board, title="late")
    await assign(client, board, task, board.member.id)  # newer: not on the later pages
    rest = await walk(
        client,
        f"{API}/notifications",
        board.member.headers,
        limit=2,
        cursor=body["next_cursor"],
    )
    seen = [n["summary"][-3:-1] for n in body["items"] + rest]
    assert seen == ["p4", "p3", "p2", "p1", "p0"]
    for bad in ({"limit": 0}, {"limit": 101}, {"cursor": "nonsense"}, {"unread": "maybe"}):
        assert_problem(
            await client.get(f"{API}/notifications", params=bad, headers=board.member.headers),
            422,
        )
    unread_cursor = (
        await client.get(
            f"{API}/notifications",
            params={"limit": 1, "unread": "true"},
            headers=board.member.headers,
        )
    ).json()["next_cursor"]
    assert_problem(  # a cursor of the unread list is no position in the whole list
        await client.get(
            f"{API}/notifications", params={"cursor": unread_cursor}, headers=board.member.headers
        ),
        422,
    )
    assert (await client.get(f"{API}/notifications")).status_code == 401


async def test_watchers_hear_of_comments_and_status_changes_and_may_stop(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Watched", assignee_id=board.owner.id)
    url = f"{API}/tasks/{task['id']}"
    # the member created it (reporter) and the owner is its assignee: both watch already
    assert (await client.get(f"{url}/watch", headers=board.member.headers)).json()[
        "watching"
    ] is True
    watched = await client.post(f"{url}/watch", headers=board.viewer.headers)  # viewers may
    assert watched.status_code == 200
    assert watched.json() == {
        "task_id": task["id"],
        "watching": True,
    }
    comment = await client.post(
        f"{url}/comments", json={"body": "Started."}, headers=board.member.headers
    )
    assert comment.status_code == 201
    assert [n["type"] for n in await inbox(client, board.viewer)] == ["comment_added"]
    owner_items = await inbox(client, board.owner)
    assert [n["type"] for n in owner_items] == ["comment_added", "task_assigned"]
    assert owner_items[0]["summary"] == f"m commented on WEB-{task['number']} \u201cWatched\u201d"
    assert await inbox(client, board.member) == []  # their own comment

    assert (await client.delete(f"{url}/watch", headers=board.viewer.headers)).status_code == 204
    assert (await client.delete(f"{url}/watch", headers=board.viewer.headers)).status_code == 204
    moved = await client.patch(url, json={"status": "done"}, headers=board.owner.headers)
    assert moved.status_code == 200
    assert [n["type"] for n in await inbox(client, board.viewer)] == ["comment_added"]
    [status] = [n for n in await inbox(client, board.member) if n["type"] == "status_changed"]
    assert status["summary"] == f"o moved WEB-{task['number']} \u201cWatched\u201d to Done"

    stranger = await signup(client, "x")
    await new_workspace(client, stranger)
    for method in ("GET", "POST", "DELETE"):
        assert_problem(await client.request(method, f"{url}/watch", headers=stranger.headers), 404)
    assert_problem(await client.post(f"{API}/tasks/none/watch", headers=board.viewer.headers), 404)


async def test_one_notification_per_person_and_change(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Busy")
    await client.post(f"{API}/tasks/{task['id']}/watch", headers=board.viewer.headers)
    viewer_handle = board.viewer.email.split("@")[0]
    body = f"@{viewer_handle} and @{board.owner.email}, please look"
    made = await client.post(
        f"{API}/tasks/{task['id']}/comments", json={"body": body}, headers=board.member.headers
    )
    assert made.status_code == 201
    [viewer_item] = await inbox(client, board.viewer)
    assert viewer_item["type"] == "mentioned"  # a mentioned watcher: mentioned only
    assert viewer_item["summary"].startswith("m mentioned you in a comment on WEB-")
    [owner_item] = await inbox(client, board.owner)
    assert owner_item["type"] == "mentioned"

    # assigned and mentioned in the same change: assigned only
    changed = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"assignee_id": board.viewer.id, "description": f"for @{viewer_handle}"},
        headers=board.member.headers,
    )
    assert changed.status_code == 200
    assert [n["type"] for n in await inbox(client, board.viewer)] == ["task_assigned", "mentioned"]


async def test_preferences_have_defaults_and_are_respected(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    url = f"{API}/users/me/notification-preferences"
    defaults = (await client.get(url, headers=board.member.headers)).json()["preferences"]
    assert defaults == {
        "task_assigned": {"in_app": True, "email": "instant"},
        "mentioned": {"in_app": True, "email": "instant"},
        "comment_added": {"in_app": True, "email": "daily"},
        "status_changed": {"in_app": True, "email": "daily"},
        "due_soon": {"in_app": True, "email": "instant"},
        "overdue": {"in_app": True, "email": "instant"},
        "analysis_done": {"in_app": True, "email": "off"},
        "webhook_disabled": {"in_app": True, "email": "instant"},
    }
    put = await client.put(
        url,
        json={"preferences": {"task_assigned": {"in_app": False, "email": "off"}}},
        headers=board.member.headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["preferences"]["task_assigned"] == {"in_app": False, "email": "off"}
    assert put.json()["preferences"]["mentioned"] == defaults["mentioned"]  # others kept
    again = await client.put(
        url,
        json={"preferences": {"mentioned": {"in_app": False, "email": "daily"}}},
        headers=board.member.headers,
    )
    assert again.json()["preferences"]["task_assigned"] == {"in_app": False, "email": "off"}

    task = await new_task(client, board, title="Quiet")
    await assign(client, board, task, board.member.id)
    assert await inbox(client, board.member) == []
    owner_task = await new_task(client, board, title="Loud")
    await assign(client, board, owner_task, board.viewer.id)
    assert len(await inbox(client, board.viewer)) == 1  # one person's choice is theirs only

    for bad in (
        {"preferences": {"nonsense": {"in_app": True, "email": "off"}}},
        {"preferences": {"mentioned": {"in_app": True, "email": "hourly"}}},
        {"preferences": {"mentioned": {"in_app": "yes", "email": "off"}}},
        {"preferences": {"mentioned": {"in_app": True}}},
        {"preferences": {"mentioned": {"in_app": True, "email": "off", "x": 1}}},
        {"preferences": {"mentioned": {"in_app": True, "email": "of\u0000f"}}},
        {"preferences": []},
        {"other": 1},
    ):
        assert_problem(await client.put(url, json=bad, headers=board.member.headers), 422)
    after = (await client.get(url, headers=board.member.headers)).json()["preferences"]
    assert after["mentioned"] == {"in_app": False, "email": "daily"}  # nothing changed
    assert (await client.get(url)).status_code == 401


async def test_mentions_resolve_members_of_the_task_workspace_only(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    outsider = await signup(client, "out")
    await new_workspace(client, outsider)
    twin = await signup(client, "twin")  # a second member sharing nothing
    await add_member(client, board.workspace_id, board.owner, twin, "member")
    task = await new_task(
        client,
        board,
        title="Spec",
        description=f"@{outsider.email} @{board.viewer.email.upper()} `@{twin.email}`",
    )
    assert await inbox(client, outsider) == []  # not a member: never told
    [viewer_item] = await inbox(client, board.viewer)  # case does not matter
    assert viewer_item["summary"].startswith(
        f"m mentioned you in the description of WEB-{task['number']}"
    )
    assert await inbox(client, twin) == []  # inside code: no mention
    # editing the description tells only the newly mentioned
    edited = await client.patch(
        f"{API}/tasks/{task['id']}",
        json={"description": f"@{board.viewer.email} and @{twin.email.split('@')[0]}."},
        headers=board.member.headers,
    )
    assert edited.status_code == 200
    assert len(await inbox(client, board.viewer)) == 1
    assert [n["type"] for n in await inbox(client, twin)] == ["mentioned"]


def test_the_mention_syntax() -> None:
    found = mentions.handles(
        "Hi @Ada, @bob@Example.com: see ada@example.com (no mention) and "
        "`@code` and\n```\n@fenced\n```\n(@carol.) @dave_x!"
    )
    assert found.emails == {"bob@example.com"}
    assert found.locals == {"ada", "carol", "dave_x"}
    members = {"ada@a.org": "1", "ada@b.org": "2", "carol@c.org": "3", "bob@example.com": "4"}
    assert mentions.resolve(found, members) == {"3", "4"}  # "ada" is ambiguous
    assert mentions.added("@ada", "@ada @carol").locals == {"carol"}


async def test_a_member_who_left_is_not_told(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Left", assignee_id=board.viewer.id)
    assert len(await inbox(client, board.viewer)) == 1
    removed = await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.viewer.id}",
        headers=board.owner.headers,
    )
    assert removed.status_code == 204, removed.text
    comment = await client.post(
        f"{API}/tasks/{task['id']}/comments",
        json={"body": f"@{board.viewer.email} still there?"},
        headers=board.member.headers,
    )
    assert comment.status_code == 201
    assert len(await inbox(client, board.viewer)) == 1


async def test_the_time_zone_is_part_of_the_profile(client: httpx.AsyncClient) -> None:
    person = await signup(client, "tz")
    me = await client.get(f"{API}/users/me", headers=person.headers)
    assert me.json()["timezone"] == "UTC"
    changed = await client.patch(
        f"{API}/users/me", json={"timezone": "Europe/Paris"}, headers=person.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["timezone"] == "Europe/Paris"
    assert (await client.get(f"{API}/users/me", headers=person.headers)).json()[
        "timezone"
    ] == "Europe/Paris"
    for bad in ("Mars/Olympus", "", "Europe/Paris\u0000", 5):
        assert_problem(
            await client.patch(f"{API}/users/me", json={"timezone": bad}, headers=person.headers),
            422,
        )
    assert (await client.get(f"{API}/users/me", headers=person.headers)).json()[
        "timezone"
    ] == "Europe/Paris"


def matrix_form(**changed: str | None) -> dict[str, str]:
    """The preference form as a browser posts it: every type's mail choice, and "on" for
    each checked inbox box; `changed` sets a type's mail (None: its inbox box unchecked)."""
    values: dict[str, str] = {}
    for kind in Kind:
        choice = changed.get(kind.value, DEFAULTS[kind].email.value)
        if choice is not None:
            values[f"{kind.value}.in_app"] = "on"
        values[f"{kind.value}.email"] = choice or "off"
    return values


async def test_the_pages_read_change_and_refuse(client: httpx.AsyncClient) -> None:
    """The inbox, preference and watch pages, through the forms a browser without
    JavaScript posts (CSRF token included; without it nothing changes)."""
    board = await new_board(client)
    task = await new_task(client, board, title="Paged", assignee_id=board.owner.id)
    signed = await web_login(client, board.owner.email, PASSWORD)
    assert signed.status_code == 303
    inbox_page = await client.get("/notifications")
    assert inbox_page.status_code == 200
    assert "m assigned you WEB-1 \u201cPaged\u201d" in inbox_page.text
    assert 'class="badge unread-count">1<' in inbox_page.text
    [item] = await inbox(client, board.owner)

    refused = await client.post(f"/notifications/{item['id']}/read", data={})
    assert refused.status_code == 403  # no CSRF token
    assert len(await inbox(client, board.owner, unread="true")) == 1
    read = await post_form(client, "/notifications", f"/notifications/{item['id']}/read", {})
    assert read.status_code == 303
    assert await inbox(client, board.owner, unread="true") == []
    assert "unread-count" not in (await client.get("/my-tasks")).text
    other = await post_form(client, "/notifications", "/notifications/nope/read", {})
    assert other.status_code == 404

    badge = await client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert 'id="inbox-badge"' in badge.text
    assert 'data-live="notification.created notification.read"' in badge.text

    saved = await post_form(
        client,
        "/profile/notifications",
        "/profile/notifications",
        matrix_form(comment_added=None, mentioned="daily") | {"timezone": "America/New_York"},
    )
    assert saved.status_code == 303, saved.text
    prefs = (
        await client.get(f"{API}/users/me/notification-preferences", headers=board.owner.headers)
    ).json()["preferences"]
    assert prefs["comment_added"] == {"in_app": False, "email": "off"}  # unchecked: no inbox
    assert prefs["mentioned"] == {"in_app": True, "email": "daily"}
    me = (await client.get(f"{API}/users/me", headers=board.owner.headers)).json()
    assert me["timezone"] == "America/New_York"
    bad = await post_form(
        client,
        "/profile/notifications",
        "/profile/notifications",
        matrix_form(comment_added="hourly") | {"timezone": "Mars/Olympus"},
    )
    assert bad.status_code == 422
    assert "Please correct the fields marked below." in bad.text
    prefs_after = (
        await client.get(f"{API}/users/me/notification-preferences", headers=board.owner.headers)
    ).json()["preferences"]
    assert prefs_after == prefs  # nothing changed

    zone = await post_form(client, "/profile", "/profile/timezone", {"timezone": "Asia/Tokyo"})
    assert zone.status_code == 303
    assert "Your time zone is saved." in (await client.get(zone.headers["location"])).text
    wrong = await post_form(client, "/profile", "/profile/timezone", {"timezone": "Nowhere"})
    assert wrong.status_code == 422
    assert "IANA time zone" in wrong.text

    watch_page = await client.get(f"/notifications/watch/{task['id']}")
    assert "Unwatch" in watch_page.text  # the assignee watches
    stop = await post_form(
        client, f"/tasks/{task['id']}", f"/notifications/watch/{task['id']}", {"watch": "off"}
    )
    assert stop.status_code == 303
    assert stop.headers["location"] == f"/tasks/{task['id']}"
    state = await client.get(f"{API}/tasks/{task['id']}/watch", headers=board.owner.headers)
    assert state.json()["watching"] is False
    nonsense = await post_form(
        client, f"/tasks/{task['id']}", f"/notifications/watch/{task['id']}", {"watch": "x"}
    )
    assert nonsense.status_code == 422
