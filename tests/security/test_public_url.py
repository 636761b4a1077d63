"""Absolute URLs are built from SMARTTASK_PUBLIC_URL, never from the client-sent Host header
(a link that names an attacker's host would hand them the signed URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from smarttask.settings import Settings
from tests.support.attachments import board_with_task, declare, send_bytes

EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def test_the_default_public_url_is_the_default_address() -> None:
    assert Settings(_env_file=None).public_url == "http://127.0.0.1:8000"  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["tasks.example.com", "ftp://tasks.example.com", "https://"])
def test_a_public_url_must_be_absolute_http(value: str) -> None:
    with pytest.raises(ValueError, match="SMARTTASK_PUBLIC_URL"):
        Settings(_env_file=None, public_url=value)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("configured", "public"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"public_url": "https://tasks.example.com/"}, "https://tasks.example.com"),
    ],
    ids=["default", "configured"],
)
async def test_a_forged_host_never_reaches_attachment_urls(
    client_with: Any, tmp_path: Path, configured: dict[str, str], public: str
) -> None:
    client: httpx.AsyncClient = await client_with(
        storage_path=str(tmp_path / "objects"), **configured
    )
    board, task_id = await board_with_task(client)
    headers = board.member.headers | EVIL
    created = await client.post(
        f"/api/v1/tasks/{task_id}/attachments",
        json={"filename": "report.pdf", "content_type": "application/pdf", "size": 5},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    assert upload["url"].startswith(f"{public}/api/v1/storage/objects/"), upload
    sent = await send_bytes(client, upload, b"hello", Host="evil.example")
    assert sent.status_code == 201, sent.text
    attachment_id = created.json()["id"]
    done = await client.post(f"/api/v1/attachments/{attachment_id}/complete", headers=headers)
    assert done.json()["download_url"].startswith(f"{public}/api/v1/storage/objects/")
    one = await client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
    listed = await client.get(f"/api/v1/tasks/{task_id}/attachments", headers=headers)
    for body in (one.json(), listed.json()["items"][0]):
        assert body["download_url"].startswith(f"{public}/api/v1/storage/objects/")
        assert "evil.example" not in str(body)
    assert (await client.get(done.json()["download_url"])).content == b"hello"
    assert (await declare(client, task_id, board.member)).json()["upload"]["url"].startswith(public)
