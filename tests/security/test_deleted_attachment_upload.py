"""A local store's upload URL stops working when its attachment is deleted: the signature
is still valid until it expires, but nothing may be stored for an attachment that is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.accounts import assert_problem
from tests.support.attachments import board_with_task, declare, send_bytes

BODY = b"hello world"


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    """Where the app under test keeps its files."""
    return tmp_path / "objects"


@pytest.fixture
def settings_overrides(storage_dir: Path) -> dict[str, Any]:
    """Files go to a folder of the test's own."""
    return {"storage_path": str(storage_dir)}


def _stored(storage_dir: Path) -> list[Path]:
    return [path for path in storage_dir.rglob("*") if path.is_file()]


async def test_an_upload_after_the_attachment_was_deleted_stores_nothing(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=len(BODY))).json()
    deleted = await client.delete(
        f"/api/v1/attachments/{created['id']}", headers=board.member.headers
    )
    assert deleted.status_code == 204
    assert_problem(await send_bytes(client, created["upload"], BODY), 404)
    assert _stored(storage_dir) == []


async def test_an_upload_after_the_task_was_deleted_stores_nothing(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=len(BODY))).json()
    gone = await client.delete(f"/api/v1/tasks/{task_id}", headers=board.member.headers)
    assert gone.status_code == 204
    assert_problem(await send_bytes(client, created["upload"], BODY), 404)
    assert _stored(storage_dir) == []


async def test_an_attachment_deleted_while_its_bytes_arrive_keeps_nothing(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=len(BODY))).json()
    upload = created["upload"]

    async def body() -> AsyncIterator[bytes]:
        yield BODY[:5]
        # The attachment is deleted after the upload was accepted, before it ends (in a
        # task of its own, as another request would be: its context stays its own).
        deleted = await asyncio.create_task(
            client.delete(f"/api/v1/attachments/{created['id']}", headers=board.member.headers)
        )
        assert deleted.status_code == 204
        yield BODY[5:]

    sent = await client.put(upload["url"], content=body(), headers=upload["headers"])
    assert_problem(sent, 404)
    assert _stored(storage_dir) == []


async def test_a_live_upload_still_works_once(client: httpx.AsyncClient, storage_dir: Path) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=len(BODY))).json()
    assert (await send_bytes(client, created["upload"], BODY)).status_code == 201
    assert [path.read_bytes() for path in _stored(storage_dir)] == [BODY]
    assert_problem(await send_bytes(client, created["upload"], BODY), 409)
