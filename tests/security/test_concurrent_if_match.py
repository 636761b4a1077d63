"""Optimistic concurrency under a race: of N writers holding the same ETag, one wins and
every other one gets the contract's 412 (not 409), with the row left as the winner wrote it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from tests.support.tasks import new_board, new_task

WRITERS = 8


async def _race(
    writes: list[Callable[[], Coroutine[Any, Any, httpx.Response]]],
) -> list[httpx.Response]:
    return list(await asyncio.gather(*(write() for write in writes)))


def _assert_one_winner(answers: list[httpx.Response]) -> httpx.Response:
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * (len(answers) - 1), [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 412:
            assert answer.headers["content-type"] == "application/problem+json"
    return next(answer for answer in answers if answer.status_code == 200)


async def test_concurrent_patches_of_a_task_with_one_etag(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    task = await new_task(client, board, title="Original", labels=["a"])
    url = f"/api/v1/tasks/{task['id']}"
    read = await client.get(url, headers=board.member.headers)
    headers = board.member.headers | {"If-Match": read.headers["etag"]}

    def write(n: int) -> Callable[[], Coroutine[Any, Any, httpx.Response]]:
        return lambda: client.patch(
            url, json={"title": f"Writer {n}", "labels": [f"l{n}"]}, headers=headers
        )

    winner = _assert_one_winner(await _race([write(n) for n in range(WRITERS)]))
    after = (await client.get(url, headers=board.member.headers)).json()
    assert after["title"] == winner.json()["title"]
    assert after["labels"] == winner.json()["labels"]
    assert after["version"] == winner.json()["version"]
    trail = await client.get(f"{url}/activity", headers=board.member.headers)
    assert [entry["action"] for entry in trail.json()["items"]] == ["updated", "created"]


async def test_concurrent_patches_of_a_project_and_a_workspace_with_one_etag(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    for url in (
        f"/api/v1/projects/{board.project_id}",
        f"/api/v1/workspaces/{board.workspace_id}",
    ):
        read = await client.get(url, headers=board.owner.headers)
        headers = board.owner.headers | {"If-Match": read.headers["etag"]}

        def write(
            n: int, url: str = url, headers: dict[str, str] = headers
        ) -> Callable[[], Coroutine[Any, Any, httpx.Response]]:
            return lambda: client.patch(url, json={"name": f"Name {n}"}, headers=headers)

        winner = _assert_one_winner(await _race([write(n) for n in range(WRITERS)]))
        after = (await client.get(url, headers=board.owner.headers)).json()
        assert after["name"] == winner.json()["name"]
