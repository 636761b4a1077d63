"""Helpers for attachment tests: declare, upload, complete."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.tasks import Board, new_board, new_task
from tests.support.workspaces import Account


async def board_with_task(client: httpx.AsyncClient) -> tuple[Board, str]:
    """A board and one task in it; the task id."""
    board = await new_board(client)
    task = await new_task(client, board)
    return board, str(task["id"])


async def declare(
    client: httpx.AsyncClient,
    task_id: str,
    by: Account,
    *,
    filename: str = "report.pdf",
    content_type: str = "application/pdf",
    size: int = 11,
) -> httpx.Response:
    """POST a new attachment."""
    return await client.post(
        f"/api/v1/tasks/{task_id}/attachments",
        json={"filename": filename, "content_type": content_type, "size": size},
        headers=by.headers,
    )


async def send_bytes(
    http: httpx.AsyncClient, upload: dict[str, Any], body: bytes, **header_overrides: str
) -> httpx.Response:
    """Send the bytes exactly as the upload ticket says (with optional header overrides)."""
    headers = dict(upload["headers"]) | header_overrides
    headers.pop("Content-Length", None)  # httpx sets it from the body
    return await http.request(upload["method"], upload["url"], content=body, headers=headers)


async def uploaded(
    client: httpx.AsyncClient,
    task_id: str,
    by: Account,
    body: bytes,
    transfer: httpx.AsyncClient | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Declare, upload (through `transfer` if the store is elsewhere) and complete."""
    created = await declare(client, task_id, by, size=len(body), **fields)
    assert created.status_code == 201, created.text
    sent = await send_bytes(transfer or client, created.json()["upload"], body)
    assert sent.status_code in (200, 201, 204), sent.text
    done = await client.post(
        f"/api/v1/attachments/{created.json()['id']}/complete", headers=by.headers
    )
    assert done.status_code == 200, done.text
    result: dict[str, Any] = done.json()
    return result
