"""Helpers of the custom field tests: a field of a board's workspace, a task's values."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.tasks import Board

API = "/api/v1"


async def new_field(
    client: httpx.AsyncClient, board: Board, name: str, kind: str, **extra: Any
) -> dict[str, Any]:
    """A field of the board's workspace made by its owner; its body."""
    created = await client.post(
        f"{API}/workspaces/{board.workspace_id}/fields",
        json={"name": name, "type": kind, **extra},
        headers=board.owner.headers,
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def patch_task(
    client: httpx.AsyncClient, board: Board, task_id: str, fields: dict[str, Any]
) -> httpx.Response:
    """PATCH a task's fields as the board's member."""
    return await client.patch(
        f"{API}/tasks/{task_id}", json={"fields": fields}, headers=board.member.headers
    )
