"""Attachments on the local store, end to end over HTTP (docs/api.md, Attachments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from smarttask.adapters.storage.local import LocalStorage
from tests.support.attachments import board_with_task, declare, send_bytes, uploaded
from tests.support.workspaces import add_member, new_workspace, signup

BODY = b"hello world"


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    """Where the app under test keeps its files."""
    return tmp_path / "objects"


@pytest.fixture
def settings_overrides(storage_dir: Path) -> dict[str, Any]:
    """Files go to a folder of the test's own."""
    return {"storage_path": str(storage_dir)}


def with_query(url: str, **changes: str) -> str:
    """The URL with some query parameters replaced."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


async def test_local_flow_end_to_end(client: httpx.AsyncClient, storage_dir: Path) -> None:
    board, task_id = await board_with_task(client)
    created = await declare(client, task_id, board.member, filename="Résumé 2026.pdf", size=11)
    assert created.status_code == 201, created.text
    pending = created.json()
    assert pending["status"] == "pending"
    assert pending["download_url"] is None
    assert created.headers["Location"] == f"/api/v1/attachments/{pending['id']}"
    upload = pending["upload"]
    assert upload["method"] == "PUT"
    assert upload["url"].startswith("http://127.0.0.1:8000/api/v1/storage/objects/")
    assert upload["headers"] == {"Content-Type": "application/pdf", "Content-Length": "11"}
    assert upload["expires_at"].endswith("Z")
    not_yet = await client.post(
        f"/api/v1/attachments/{pending['id']}/complete", headers=board.member.headers
    )
    assert not_yet.status_code == 409

    sent = await send_bytes(client, upload, BODY)
    assert sent.status_code == 201, sent.text
    stored = storage_dir / board.workspace_id / pending["id"]
    assert stored.read_bytes() == BODY
    assert not [p for p in stored.parent.iterdir() if p.name.endswith(".part")]

    done = await client.post(
        f"/api/v1/attachments/{pending['id']}/complete", headers=board.member.headers
    )
    assert done.status_code == 200, done.text
    ready = done.json()
    assert (ready["status"], ready["size"], ready["filename"]) == ("ready", 11, "Résumé 2026.pdf")
    assert ready["completed_at"] is not None
    again = await client.post(
        f"/api/v1/attachments/{pending['id']}/complete", headers=board.member.headers
    )
    assert again.status_code == 200
    assert again.json()["completed_at"] == ready["completed_at"]

    download = await client.get(ready["download_url"])
    assert download.status_code == 200
    assert download.content == BODY
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf" in disposition

    listed = await client.get(f"/api/v1/tasks/{task_id}/attachments", headers=board.viewer.headers)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == pending["id"]
    assert item["download_url"]
    assert item["upload"] is None
    one = await client.get(f"/api/v1/attachments/{pending['id']}", headers=board.viewer.headers)
    assert one.status_code == 200
    assert one.headers["ETag"] == f'"{one.json()["version"]}"'

    workspace_trail = await client.get(
        f"/api/v1/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    entries = [
        (e["action"], e["changes"].get("status"))
        for e in workspace_trail.json()["items"]
        if e["entity_type"] == "attachment"
    ]
    assert entries == [
        ("updated", {"old": "pending", "new": "ready"}),
        ("created", {"old": None, "new": "pending"}),
    ]

    stale = await client.delete(
        f"/api/v1/attachments/{pending['id']}", headers=board.member.headers | {"If-Match": '"9"'}
    )
    assert stale.status_code == 412
    deleted = await client.delete(
        f"/api/v1/attachments/{pending['id']}", headers=board.member.headers
    )
    assert deleted.status_code == 204
    assert not stored.exists()
    gone = await client.get(f"/api/v1/attachments/{pending['id']}", headers=board.member.headers)
    assert gone.status_code == 404
    assert (await client.get(ready["download_url"])).status_code == 404
    listed = await client.get(f"/api/v1/tasks/{task_id}/attachments", headers=board.viewer.headers)
    assert listed.json()["items"] == []


async def test_wrong_size_is_refused(client: httpx.AsyncClient, storage_dir: Path) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=11)).json()
    longer = await send_bytes(client, created["upload"], BODY + b"!")
    assert longer.status_code == 403
    assert "exactly 11 bytes" in longer.json()["detail"]
    shorter = await send_bytes(client, created["upload"], BODY[:-1])
    assert shorter.status_code == 403
    assert not (storage_dir / board.workspace_id).exists() or not any(
        (storage_dir / board.workspace_id).iterdir()
    )
    refused = await client.post(
        f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
    )
    assert refused.status_code == 409


async def test_body_shorter_than_its_content_length_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(str(tmp_path), "k" * 32, "http://testserver")

    async def chunks(data: bytes) -> Any:
        for start in range(0, len(data), 4):
            yield data[start : start + 4]

    from smarttask.adapters.storage.local import AlreadyStored, SizeMismatch

    with pytest.raises(SizeMismatch):
        await storage.write("w/a", 11, chunks(b"too short"))
    with pytest.raises(SizeMismatch):
        await storage.write("w/a", 3, chunks(b"too long"))
    assert list((tmp_path / "w").iterdir()) == []
    await storage.write("w/a", 11, chunks(BODY))
    with pytest.raises(AlreadyStored):
        await storage.write("w/a", 11, chunks(BODY))
    assert [p.name for p in (tmp_path / "w").iterdir()] == ["a"]
    assert await storage.stat("w/a") == 11


async def test_expired_and_tampered_urls_are_refused(
    client: httpx.AsyncClient, settings: Any, storage_dir: Path
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=11)).json()
    upload = created["upload"]
    key = f"{board.workspace_id}/{created['id']}"
    # A genuine signature whose expiry has passed.
    storage = LocalStorage(str(storage_dir), settings.files.signing_key, "http://testserver")
    expired = storage.presign_upload(key, 11, "application/pdf", ttl=-1)
    answer = await client.put(
        expired.url,
        content=BODY,
        headers={"Content-Type": "application/pdf"},
    )
    assert answer.status_code == 403
    assert "expired" in answer.json()["detail"]

    signature = parse_qs(urlsplit(upload["url"]).query)["sig"][0]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    tampered = [
        with_query(upload["url"], sig=flipped),
        with_query(upload["url"], size="12"),
        with_query(upload["url"], type="text/plain"),
        with_query(upload["url"], expires="9999999999"),
        with_query(upload["url"], sig=""),
        upload["url"].split("?")[0],
    ]
    for url in tampered:
        refused = await client.put(url, content=BODY, headers={"Content-Type": "application/pdf"})
        assert refused.status_code == 403, url
        assert refused.headers["content-type"] == "application/problem+json"
    wrong_type = await send_bytes(client, upload, BODY, **{"Content-Type": "text/plain"})
    assert wrong_type.status_code == 403
    assert not (storage_dir / key).exists()
    # The genuine URL still works, once.
    assert (await send_bytes(client, upload, BODY)).status_code == 201
    assert (await send_bytes(client, upload, BODY)).status_code == 409

    done = await client.post(
        f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
    )
    download = done.json()["download_url"]
    for url in (
        with_query(download, name="evil.html"),
        with_query(download, type="text/html"),
        with_query(download, sig=flipped),
    ):
        assert (await client.get(url)).status_code == 403, url
    late = storage.presign_download(key, "report.pdf", "application/pdf", ttl=-1)
    assert (await client.get(late)).status_code == 403


async def test_another_tenants_objects_are_out_of_reach(
    client: httpx.AsyncClient, storage_dir: Path
) -> None:
    board, task_id = await board_with_task(client)
    theirs = await uploaded(client, task_id, board.member, BODY)
    stranger = await signup(client, "stranger")
    own_workspace = await new_workspace(client, stranger)
    project = await client.post(
        f"/api/v1/workspaces/{own_workspace}/projects",
        json={"name": "Mine", "key": "MINE"},
        headers=stranger.headers,
    )
    task = await client.post(
        f"/api/v1/projects/{project.json()['id']}/tasks",
        json={"title": "x"},
        headers=stranger.headers,
    )
    mine = (await declare(client, task.json()["id"], stranger, size=11)).json()
    # Their own valid URL pointed at the other tenant's key: refused like any unknown key.
    foreign_key = f"{board.workspace_id}/{theirs['id']}"
    own_key = f"{own_workspace}/{mine['id']}"
    foreign = mine["upload"]["url"].replace(own_key, foreign_key)
    unknown = mine["upload"]["url"].replace(own_key, f"{board.workspace_id}/nope")
    answers = [
        await client.put(url, content=BODY, headers={"Content-Type": "application/pdf"})
        for url in (foreign, unknown)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]
    assert (storage_dir / foreign_key).read_bytes() == BODY
    for method, url in (
        ("GET", f"/api/v1/attachments/{theirs['id']}"),
        ("POST", f"/api/v1/attachments/{theirs['id']}/complete"),
        ("DELETE", f"/api/v1/attachments/{theirs['id']}"),
        ("GET", f"/api/v1/tasks/{task_id}/attachments"),
        ("POST", f"/api/v1/tasks/{task_id}/attachments"),
    ):
        body = {"filename": "a", "content_type": "text/plain", "size": 1}
        answer = await client.request(
            method, url, headers=stranger.headers, json=body if method == "POST" else None
        )
        assert answer.status_code == 404, (method, url)
    still = await client.get(f"/api/v1/attachments/{theirs['id']}", headers=board.viewer.headers)
    assert still.json()["status"] == "ready"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("content_type", "text/html"),
        ("content_type", "image/svg+xml"),
        ("content_type", "application/javascript"),
        ("content_type", "application/xhtml+xml"),
        ("content_type", "text/plain; charset=utf-8"),
        ("content_type", "not a type"),
        ("filename", "../.."),
        ("filename", "\u202e\u200b"),
        ("size", -1),
    ],
)
async def test_refused_declarations(client: httpx.AsyncClient, field: str, value: Any) -> None:
    board, task_id = await board_with_task(client)
    body = {"filename": "a.txt", "content_type": "text/plain", "size": 3} | {field: value}
    answer = await client.post(
        f"/api/v1/tasks/{task_id}/attachments", json=body, headers=board.member.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"][-1] == field
    listed = await client.get(f"/api/v1/tasks/{task_id}/attachments", headers=board.member.headers)
    assert listed.json()["items"] == []


async def test_filenames_are_sanitised(client: httpx.AsyncClient) -> None:
    board, task_id = await board_with_task(client)
    cases = {
        "../../etc/passwd": "passwd",
        "C:\\Users\\me\\notes.txt": "notes.txt",
        "in\u202evoice\x07.pdf": "invoice.pdf",
        "  tabs\tand\nlines .txt ": "tabs and lines .txt",
        "日本語のファイル.png": "日本語のファイル.png",
        "x" * 300 + ".pdf": "x" * 251 + ".pdf",
    }
    for raw, clean in cases.items():
        answer = await declare(client, task_id, board.member, filename=raw, size=1)
        assert answer.status_code == 201, answer.text
        assert answer.json()["filename"] == clean


async def test_size_limit_and_quota(client_with: Any, tmp_path: Path) -> None:
    client = await client_with(
        storage_path=str(tmp_path),
        attachment_max_bytes=100,
        workspace_storage_quota_bytes=150,
    )
    board, task_id = await board_with_task(client)
    too_big = await declare(client, task_id, board.member, size=101)
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["type"] == "too_large"
    first = await declare(client, task_id, board.member, size=100)
    assert first.status_code == 201
    over = await declare(client, task_id, board.member, size=51)
    assert over.status_code == 422
    assert over.json()["errors"][0]["type"] == "quota_exceeded"
    assert (await declare(client, task_id, board.member, size=50)).status_code == 201
    # Deleting frees the quota.
    deleted = await client.delete(
        f"/api/v1/attachments/{first.json()['id']}", headers=board.member.headers
    )
    assert deleted.status_code == 204
    assert (await declare(client, task_id, board.member, size=100)).status_code == 201
    # Another workspace has its own quota.
    other, other_task = await board_with_task(client)
    assert (await declare(client, other_task, other.member, size=100)).status_code == 201


async def test_roles(client: httpx.AsyncClient) -> None:
    board, task_id = await board_with_task(client)
    assert (await declare(client, task_id, board.viewer)).status_code == 403
    mine = await uploaded(client, task_id, board.member, BODY)
    colleague = await signup(client, "colleague")
    await add_member(client, board.workspace_id, board.owner, colleague, "member")
    url = f"/api/v1/attachments/{mine['id']}"
    assert (await client.get(url, headers=board.viewer.headers)).status_code == 200
    assert (await client.post(url + "/complete", headers=board.viewer.headers)).status_code == 403
    assert (await client.delete(url, headers=board.viewer.headers)).status_code == 403
    assert (await client.delete(url, headers=colleague.headers)).status_code == 403
    assert (await client.delete(url, headers=board.owner.headers)).status_code == 204
    theirs = await uploaded(client, task_id, colleague, BODY)
    own = await client.delete(f"/api/v1/attachments/{theirs['id']}", headers=colleague.headers)
    assert own.status_code == 204


async def test_pages_and_unknown_ids(client: httpx.AsyncClient) -> None:
    board, task_id = await board_with_task(client)
    ids = [
        (await declare(client, task_id, board.member, filename=f"f{i}.txt")).json()["id"]
        for i in range(3)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"/api/v1/tasks/{task_id}/attachments", params=params, headers=board.member.headers
        )
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    unknown = "00000000-0000-4000-8000-000000000000"
    answer = await client.get(f"/api/v1/attachments/{unknown}", headers=board.member.headers)
    assert answer.status_code == 404
    assert answer.json()["detail"] == "There is no such attachment."


async def test_deleting_the_task_hides_its_attachments(client: httpx.AsyncClient) -> None:
    board, task_id = await board_with_task(client)
    ready = await uploaded(client, task_id, board.member, BODY)
    assert (
        await client.delete(f"/api/v1/tasks/{task_id}", headers=board.member.headers)
    ).status_code == 204
    answer = await client.get(f"/api/v1/attachments/{ready['id']}", headers=board.member.headers)
    assert answer.status_code == 404
