"""Attachments on S3, against moto's S3 server speaking the real protocol (docs/api.md).

moto checks neither presigned signatures nor their expiry, so what the URL binds (size, type,
expiry) is asserted on the URL itself; the server-side size check of `complete` is what
catches a wrong size here, exactly as it would behind any S3-compatible store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from tests.support.attachments import board_with_task, declare, send_bytes, uploaded
from tests.support.workspaces import signup

BODY = b"%PDF-1.7 tiny"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server on an ephemeral port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, the usual AWS way; no shared config is read."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


@pytest.fixture
def bucket(s3_endpoint: str, aws_credentials: None) -> str:
    """A fresh bucket for the test."""
    name = f"smarttask-{uuid.uuid4().hex[:12]}"
    boto3.session.Session().client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def settings_overrides(s3_endpoint: str, bucket: str) -> dict[str, Any]:
    """The app stores files in the test's bucket."""
    return {"storage": "s3", "s3_bucket": bucket, "s3_endpoint_url": s3_endpoint}


def objects(endpoint: str, bucket: str) -> dict[str, int]:
    """The bucket's keys and sizes."""
    client = boto3.session.Session().client("s3", endpoint_url=endpoint)
    listed = client.list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}


async def test_s3_flow_end_to_end(client: httpx.AsyncClient, s3_endpoint: str, bucket: str) -> None:
    board, task_id = await board_with_task(client)
    created = await declare(client, task_id, board.member, filename="Ünïcode «plan».pdf", size=13)
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    key = f"{board.workspace_id}/{created.json()['id']}"
    assert upload["method"] == "PUT"
    assert upload["url"].startswith(f"{s3_endpoint}/{bucket}/{key}?")
    assert upload["headers"] == {"Content-Type": "application/pdf", "Content-Length": "13"}
    query = parse_qs(urlsplit(upload["url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert set(query["X-Amz-SignedHeaders"][0].split(";")) == {
        "content-length",
        "content-type",
        "host",
    }

    async with httpx.AsyncClient() as outside:
        sent = await send_bytes(outside, upload, BODY)
        assert sent.status_code == 200, sent.text
        assert objects(s3_endpoint, bucket) == {key: 13}
        done = await client.post(
            f"/api/v1/attachments/{created.json()['id']}/complete", headers=board.member.headers
        )
        assert done.status_code == 200, done.text
        ready = done.json()
        assert ready["status"] == "ready"
        assert ready["download_url"].startswith(f"{s3_endpoint}/{bucket}/{key}?")
        download = await outside.get(ready["download_url"])
        assert download.status_code == 200
        assert download.content == BODY
        assert download.headers["content-type"] == "application/pdf"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%C3%9Cn%C3%AFcode%20%C2%ABplan%C2%BB.pdf" in disposition

    listed = await client.get(f"/api/v1/tasks/{task_id}/attachments", headers=board.viewer.headers)
    assert [item["status"] for item in listed.json()["items"]] == ["ready"]
    deleted = await client.delete(
        f"/api/v1/attachments/{ready['id']}", headers=board.member.headers
    )
    assert deleted.status_code == 204
    assert objects(s3_endpoint, bucket) == {}


async def test_s3_wrong_size_is_refused_and_discarded(
    client: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=13)).json()
    key = f"{board.workspace_id}/{created['id']}"
    async with httpx.AsyncClient() as outside:
        # Real S3 refuses this PUT (Content-Length is a signed header); moto stores it.
        await send_bytes(outside, created["upload"], BODY + b" and more")
    assert objects(s3_endpoint, bucket) == {key: 22}
    refused = await client.post(
        f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
    )
    assert refused.status_code == 409
    assert "not the declared 13" in refused.json()["detail"]
    assert objects(s3_endpoint, bucket) == {}
    still = await client.get(f"/api/v1/attachments/{created['id']}", headers=board.member.headers)
    assert still.json()["status"] == "pending"
    async with httpx.AsyncClient() as outside:
        assert (await send_bytes(outside, created["upload"], BODY)).status_code == 200
    done = await client.post(
        f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
    )
    assert done.status_code == 200


async def test_s3_other_tenants_and_local_routes(
    client: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    board, task_id = await board_with_task(client)
    async with httpx.AsyncClient() as outside:
        ready = await uploaded(client, task_id, board.member, BODY, outside)
    stranger = await signup(client, "stranger")
    for method, url in (
        ("GET", f"/api/v1/attachments/{ready['id']}"),
        ("POST", f"/api/v1/attachments/{ready['id']}/complete"),
        ("DELETE", f"/api/v1/attachments/{ready['id']}"),
        ("GET", f"/api/v1/tasks/{task_id}/attachments"),
    ):
        assert (await client.request(method, url, headers=stranger.headers)).status_code == 404
    assert len(objects(s3_endpoint, bucket)) == 1
    # With S3 the local transfer routes do not exist.
    local = await client.put(
        f"/api/v1/storage/objects/{board.workspace_id}/{ready['id']}?size=1",
        content=b"x",
        headers={"Content-Type": "application/pdf"},
    )
    assert local.status_code == 404
