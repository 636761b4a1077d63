"""Timestamps that cannot be expressed in UTC are bad input (422), never a 500."""

from __future__ import annotations

import httpx
import pytest

from smarttask.kit.pagination import encode_cursor
from tests.support.accounts import assert_problem
from tests.support.tasks import Board, new_board, new_task

# Both are valid RFC 3339 but fall outside datetime's range once converted to UTC.
TOO_LATE = "9999-12-31T23:59:59-00:01"
TOO_EARLY = "0001-01-01T00:00:00+00:01"


def _assert_out_of_range(response: httpx.Response, name: str) -> None:
    body = assert_problem(response, 422)
    assert [error["loc"][-1] for error in body["errors"]] == [name], body
    assert body["errors"][0]["type"] == "datetime_out_of_range"
    assert "Traceback" not in response.text


@pytest.mark.parametrize("name", ["due_before", "due_after"])
@pytest.mark.parametrize("value", [TOO_LATE, TOO_EARLY])
async def test_list_filters_out_of_range_are_422(
    client: httpx.AsyncClient, name: str, value: str
) -> None:
    board = await new_board(client)
    for path in (
        f"/api/v1/projects/{board.project_id}/tasks",
        f"/api/v1/workspaces/{board.workspace_id}/tasks",
    ):
        response = await client.get(path, params={name: value}, headers=board.member.headers)
        _assert_out_of_range(response, name)


async def _titles(client: httpx.AsyncClient, board: Board) -> list[str]:
    listing = await client.get(
        f"/api/v1/projects/{board.project_id}/tasks", headers=board.member.headers
    )
    assert listing.status_code == 200, listing.text
    return [task["title"] for task in listing.json()["items"]]


@pytest.mark.parametrize("value", [TOO_LATE, TOO_EARLY])
async def test_task_bodies_out_of_range_are_422_and_write_nothing(
    client: httpx.AsyncClient, value: str
) -> None:
    board = await new_board(client)
    created = await client.post(
        f"/api/v1/projects/{board.project_id}/tasks",
        json={"title": "Far future", "due_at": value},
        headers=board.member.headers,
    )
    _assert_out_of_range(created, "due_at")
    assert await _titles(client, board) == []

    task = await new_task(client, board, title="Kept", due_at="2026-12-01T10:00:00Z")
    changed = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"due_at": value}, headers=board.member.headers
    )
    _assert_out_of_range(changed, "due_at")
    after = await client.get(f"/api/v1/tasks/{task['id']}", headers=board.member.headers)
    assert after.json()["due_at"] == "2026-12-01T10:00:00Z"
    assert after.json()["version"] == task["version"]


@pytest.mark.parametrize("value", [TOO_LATE, TOO_EARLY, "2026-11-22T10:00:00"])
async def test_forged_cursor_timestamps_are_422(client: httpx.AsyncClient, value: str) -> None:
    board = await new_board(client)
    forged = {
        f"/api/v1/projects/{board.project_id}/tasks": encode_cursor(["-created_at", value, "x"]),
        f"/api/v1/workspaces/{board.workspace_id}/projects": encode_cursor([value, "x"]),
        f"/api/v1/workspaces/{board.workspace_id}/activity": encode_cursor([value, "x"]),
    }
    for path, cursor in forged.items():
        response = await client.get(path, params={"cursor": cursor}, headers=board.owner.headers)
        body = assert_problem(response, 422)
        assert body["errors"][0]["loc"] == ["query", "cursor"], (path, body)
