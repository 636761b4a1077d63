"""Per-user limits that making more workspaces cannot multiply (docs/security.md).

Workspaces made per user, storage across every workspace a user made, the AI budget of a
requesting user across workspaces, and the per-user rate limit of writes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from limits.aio import storage as limit_storage
from limits.aio import strategies as limit_strategies

from smarttask.kit import ratelimit
from tests.support.accounts import assert_problem
from tests.support.analysis import drain, queued_jobs, request_analysis, scalar
from tests.support.attachments import declare
from tests.support.workspaces import Account, add_member, new_workspace, signup

API = "/api/v1"


async def _workspace_with_task(client: httpx.AsyncClient, owner: Account, index: int) -> str:
    """A new workspace of `owner` with a project and a task; the task id."""
    workspace_id = await new_workspace(client, owner, name=f"Team {index}")
    project = await client.post(
        f"{API}/workspaces/{workspace_id}/projects",
        json={"name": "Website", "key": "WEB"},
        headers=owner.headers,
    )
    assert project.status_code == 201, project.text
    task = await client.post(
        f"{API}/projects/{project.json()['id']}/tasks",
        json={"title": f"Task {index}", "description": f"Write the report number {index}."},
        headers=owner.headers,
    )
    assert task.status_code == 201, task.text
    return str(task.json()["id"])


def _assert_workspace_limit(response: httpx.Response, limit: int) -> None:
    body = assert_problem(response, 409)
    assert body["code"] == "workspace_limit_reached"
    assert body["limit"] == limit


# -- workspaces per user ------------------------------------------------------------------


async def test_a_user_cannot_make_more_workspaces_than_the_limit(client_with: Any) -> None:
    client = await client_with(max_workspaces_per_user=3)
    ada, bob = await signup(client, "ada"), await signup(client, "bob")
    made = [await new_workspace(client, ada, name=f"W{i}") for i in range(3)]
    refused = await client.post(f"{API}/workspaces", json={"name": "W4"}, headers=ada.headers)
    _assert_workspace_limit(refused, 3)

    # Being made an owner of someone else's workspace is not making one.
    theirs = await new_workspace(client, bob, name="Bob's")
    await add_member(client, theirs, bob, ada, "owner")
    assert (
        await client.post(f"{API}/workspaces", json={"name": "B2"}, headers=bob.headers)
    ).status_code == 201
    _assert_workspace_limit(
        await client.post(f"{API}/workspaces", json={"name": "W4"}, headers=ada.headers), 3
    )

    # Deleting one makes room again.
    deleted = await client.delete(f"{API}/workspaces/{made[0]}", headers=ada.headers)
    assert deleted.status_code == 204, deleted.text
    again = await client.post(f"{API}/workspaces", json={"name": "W4"}, headers=ada.headers)
    assert again.status_code == 201, again.text


async def test_handing_a_workspace_over_does_not_free_a_slot(client_with: Any) -> None:
    client = await client_with(max_workspaces_per_user=1)
    ada, bob = await signup(client, "ada"), await signup(client, "bob")
    workspace_id = await new_workspace(client, ada)
    await add_member(client, workspace_id, ada, bob, "owner")
    left = await client.delete(
        f"{API}/workspaces/{workspace_id}/members/{ada.id}", headers=ada.headers
    )
    assert left.status_code == 204, left.text
    _assert_workspace_limit(
        await client.post(f"{API}/workspaces", json={"name": "More"}, headers=ada.headers), 1
    )


async def test_concurrent_creations_cannot_both_pass_the_check(client_with: Any) -> None:
    client = await client_with(max_workspaces_per_user=3)
    ada = await signup(client, "ada")
    for index in range(2):
        await new_workspace(client, ada, name=f"W{index}")
    answers = await asyncio.gather(
        *(
            client.post(f"{API}/workspaces", json={"name": f"Race {i}"}, headers=ada.headers)
            for i in range(6)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 409, 409, 409, 409, 409], [a.text for a in answers]
    listed = await client.get(f"{API}/workspaces", headers=ada.headers)
    assert len(listed.json()["items"]) == 3


# -- storage per user ---------------------------------------------------------------------


async def test_fifty_workspaces_share_one_storage_quota(client_with: Any) -> None:
    client = await client_with(
        max_workspaces_per_user=50,
        workspace_storage_quota_bytes=10_000,
        user_storage_quota_bytes=1_000,
    )
    ada = await signup(client, "ada")
    accepted = 0
    refusals: list[dict[str, Any]] = []
    for index in range(50):
        task_id = await _workspace_with_task(client, ada, index)
        answer = await declare(client, task_id, ada, size=100)
        if answer.status_code == 201:
            accepted += answer.json()["size"]
        else:
            refusals.append(assert_problem(answer, 422))
    assert accepted == 1_000  # not 50 x 10_000
    assert len(refusals) == 40
    assert all(r["errors"][0]["type"] == "user_quota_exceeded" for r in refusals)
    assert "1000 bytes" in refusals[0]["detail"]


async def test_members_uploads_count_against_the_workspace_creator(client_with: Any) -> None:
    client = await client_with(user_storage_quota_bytes=500)
    ada, bob = await signup(client, "ada"), await signup(client, "bob")
    first = await _workspace_with_task(client, ada, 1)
    second = await _workspace_with_task(client, ada, 2)
    workspace_id = await scalar(
        client._transport.app.state.database,  # type: ignore[attr-defined]
        "SELECT workspace_id FROM task WHERE id = :t",
        t=second,
    )
    await add_member(client, str(workspace_id), ada, bob, "member")
    assert (await declare(client, first, ada, size=300)).status_code == 201
    assert (await declare(client, second, bob, size=200)).status_code == 201
    refused = assert_problem(await declare(client, second, bob, size=1), 422)
    assert refused["errors"][0]["type"] == "user_quota_exceeded"
    # Bob's own quota is untouched: his workspace takes his upload.
    own = await _workspace_with_task(client, bob, 3)
    assert (await declare(client, own, bob, size=400)).status_code == 201


# -- AI budget per user -------------------------------------------------------------------


async def test_fifty_workspaces_share_one_ai_budget(client_with: Any) -> None:
    client = await client_with(
        max_workspaces_per_user=50,
        ai_daily_token_budget=1_000_000,
        ai_daily_user_token_budget=10,
    )
    app = client._transport.app  # type: ignore[attr-defined]
    ada = await signup(client, "ada")
    tasks = [await _workspace_with_task(client, ada, index) for index in range(50)]

    assert (await request_analysis(client, tasks[0], ada.headers)).status_code == 202
    # While it runs, the analysis holds budget back: a burst elsewhere is refused at once.
    held = await request_analysis(client, tasks[1], ada.headers)
    assert assert_problem(held, 429)["code"] == "ai_user_budget_exhausted"
    assert await drain(app) == 1
    spent = await scalar(
        app.state.database,
        "SELECT COALESCE(SUM(tokens), 0) FROM ai_user_usage WHERE user_id = :u",
        u=ada.id,
    )
    assert int(spent) >= 10

    for task_id in tasks[1:]:
        refused = await request_analysis(client, task_id, ada.headers)
        problem = assert_problem(refused, 429)
        assert problem["code"] == "ai_user_budget_exhausted"
        assert problem["budget"] == 10
        assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert await queued_jobs(app) == 1

    # Another user is not affected.
    bob = await signup(client, "bob")
    theirs = await _workspace_with_task(client, bob, 99)
    assert (await request_analysis(client, theirs, bob.headers)).status_code == 202


# -- writes per user ----------------------------------------------------------------------


class _Clock:
    """Wall-clock time the rate limiter reads, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    """The limiter's clock, under the test's control."""
    fake = _Clock()
    monkeypatch.setattr(limit_storage.memory, "time", fake)
    monkeypatch.setattr(limit_strategies, "time", fake)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


async def _rename(client: httpx.AsyncClient, who: Account, name: str) -> httpx.Response:
    return await client.patch(f"{API}/users/me", json={"name": name}, headers=who.headers)


async def test_writes_past_the_user_limit_answer_429_and_the_limit_resets(
    client_with: Any, clock: _Clock
) -> None:
    client = await client_with(user_write_rate_limit="3/minute")
    ada, bob = await signup(client, "ada"), await signup(client, "bob")
    workspace_id = await new_workspace(client, ada)  # 1
    first = await _rename(client, ada, "Ada 1")  # 2
    assert first.status_code == 200, first.text
    assert first.headers["RateLimit-Policy"] == '"user-write";q=3;w=60'
    assert (await _rename(client, ada, "Ada 2")).status_code == 200  # 3

    # Any writing route counts, whatever the workspace.
    for refused in (
        await _rename(client, ada, "Ada 3"),
        await client.post(f"{API}/workspaces", json={"name": "More"}, headers=ada.headers),
        await client.delete(f"{API}/workspaces/{workspace_id}", headers=ada.headers),
    ):
        body = assert_problem(refused, 429)
        assert "Too many changes" in body["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit"].startswith('"user-write";r=0;')
    # Reads are not writes, and other users have their own allowance.
    assert (
        await client.get(f"{API}/workspaces/{workspace_id}", headers=ada.headers)
    ).status_code == 200
    assert (await _rename(client, bob, "Bob")).status_code == 200

    clock.now += 121
    assert (await _rename(client, ada, "Ada again")).status_code == 200


async def test_every_login_of_a_user_shares_its_write_limit(
    client_with: Any, clock: _Clock
) -> None:
    client = await client_with(user_write_rate_limit="2/minute")
    ada = await signup(client, "ada")
    assert (await _rename(client, ada, "One")).status_code == 200
    assert (await _rename(client, ada, "Two")).status_code == 200
    signed_in_again = await client.post(
        f"{API}/auth/login", json={"email": ada.email, "password": "blue-harbour-lantern-42"}
    )
    assert signed_in_again.status_code == 200  # signing in is not an authenticated write
    other_login = Account(
        ada.id,
        ada.email,
        {"Authorization": f"Bearer {signed_in_again.json()['access_token']}"},
    )
    assert_problem(await _rename(client, other_login, "Three"), 429)
