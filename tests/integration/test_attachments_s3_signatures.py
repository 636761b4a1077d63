"""Attachments on S3 against a server that verifies Signature V4 (issue 6, docs/api.md).

The app signs, s3rver (tests/support/fakes/s3rver.py) verifies: a wrong size, a wrong type, an
expired URL and any tampered part of a URL (signature, key, expiry, signed headers, the
download's response overrides) are refused by the store itself with 403 and an S3 error
code, exactly where real S3 refuses them. Every URL is one the app handed out, changed in a
single query parameter, path segment or header; the genuine URL still works afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from smarttask.adapters.storage.factory import build_storage
from smarttask.settings import Settings
from tests.support.attachments import board_with_task, declare, send_bytes, uploaded
from tests.support.fakes.fixtures import s3rver_env_fixture, s3rver_fixture  # noqa: F401 - fixtures
from tests.support.fakes.s3rver import S3rver

BODY = b"%PDF-1.7 tiny"  # 13 bytes
AMZ_DATE = "%Y%m%dT%H%M%SZ"


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the server (credentials from the environment, set by s3rver_env)."""
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"})
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


@pytest.fixture
def bucket(s3rver: S3rver, s3rver_env: dict[str, str]) -> str:
    """A fresh bucket for the test."""
    name = f"smarttask-{uuid.uuid4().hex[:12]}"
    s3_client(s3rver.endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def settings_overrides(s3rver: S3rver, bucket: str) -> dict[str, Any]:
    """The app stores files in the test's bucket on s3rver."""
    return {"storage": "s3", "s3_bucket": bucket, "s3_endpoint_url": s3rver.endpoint}


def objects(endpoint: str, bucket: str) -> dict[str, int]:
    """The bucket's keys and sizes."""
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}


def with_param(url: str, name: str, value: str) -> str:
    """The URL with one query parameter's value replaced, every other byte left as it was."""
    base, _, query = url.partition("?")
    pairs = query.split("&")
    found = [i for i, pair in enumerate(pairs) if pair.split("=", 1)[0] == name]
    assert len(found) == 1, f"{name} not in {url}"
    pairs[found[0]] = f"{name}={quote(value, safe='')}"
    changed = f"{base}?{'&'.join(pairs)}"
    assert changed != url, f"{name} already was {value!r}"
    return changed


def with_key(url: str, attachment_id: str, other_id: str) -> str:
    """The URL pointed at another object key, everything else unchanged."""
    base, _, query = url.partition("?")
    assert base.endswith(f"/{attachment_id}")
    return f"{base.removesuffix(attachment_id)}{other_id}?{query}"


def flip_last_digit(signature: str) -> str:
    """The hex signature with its last digit changed."""
    return signature[:-1] + ("1" if signature[-1] == "0" else "0")


def shifted(amz_date: str, *, hours: int) -> str:
    """An X-Amz-Date moved by some hours."""
    moment = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
    return (moment + timedelta(hours=hours)).strftime(AMZ_DATE)


def param(url: str, name: str) -> str:
    """One query parameter of the URL, decoded."""
    return parse_qs(urlsplit(url).query)[name][0]


def s3_error(response: httpx.Response) -> tuple[int, str, str]:
    """The status, S3 error code and message of a refusal (the store's XML error body)."""
    root = ElementTree.fromstring(response.content)
    return response.status_code, root.findtext("Code") or "", root.findtext("Message") or ""


def refused_as(response: httpx.Response, code: str) -> bool:
    """Whether the store answered 403 with this S3 error code."""
    return response.status_code == 403 and s3_error(response)[1] == code


async def wait_until_expired(*urls: str) -> None:
    """Sleep until every presigned URL is past X-Amz-Date + X-Amz-Expires (by over a second)."""
    ends = [
        datetime.strptime(param(url, "X-Amz-Date"), AMZ_DATE).replace(tzinfo=UTC).timestamp()
        + int(param(url, "X-Amz-Expires"))
        for url in urls
    ]
    await asyncio.sleep(max(0.0, max(ends) + 1.2 - time.time()))


async def test_s3rver_flow_end_to_end(
    client: httpx.AsyncClient,
    s3rver: S3rver,
    bucket: str,
) -> None:
    board, task_id = await board_with_task(client)
    created = await declare(
        client, task_id, board.member, filename="Ünïcode «plan» (1).pdf", size=13
    )
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    key = f"{board.workspace_id}/{created.json()['id']}"
    assert upload["url"].startswith(f"{s3rver.endpoint}/{bucket}/{key}?")
    assert upload["headers"] == {"Content-Type": "application/pdf", "Content-Length": "13"}

    async with httpx.AsyncClient() as outside:
        sent = await send_bytes(outside, upload, BODY)
        assert sent.status_code == 200, sent.text
        assert objects(s3rver.endpoint, bucket) == {key: 13}
        done = await client.post(
            f"/api/v1/attachments/{created.json()['id']}/complete", headers=board.member.headers
        )
        assert done.status_code == 200, done.text
        ready = done.json()
        assert ready["status"] == "ready"
        assert ready["download_url"].startswith(f"{s3rver.endpoint}/{bucket}/{key}?")
        download = await outside.get(ready["download_url"])
        assert download.status_code == 200, download.text
        assert download.content == BODY
        assert download.headers["content-type"] == "application/pdf"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%C3%9Cn%C3%AFcode%20%C2%ABplan%C2%BB%20%281%29.pdf" in disposition

    deleted = await client.delete(
        f"/api/v1/attachments/{ready['id']}", headers=board.member.headers
    )
    assert deleted.status_code == 204
    assert objects(s3rver.endpoint, bucket) == {}


async def test_s3rver_refuses_tampered_uploads_and_wrong_sizes(
    client: httpx.AsyncClient,
    s3rver: S3rver,
    bucket: str,
) -> None:
    board, task_id = await board_with_task(client)
    created = (await declare(client, task_id, board.member, size=13)).json()
    other = (await declare(client, task_id, board.member, size=13)).json()
    upload = created["upload"]
    url = upload["url"]
    key = f"{board.workspace_id}/{created['id']}"
    signature = param(url, "X-Amz-Signature")
    tampered_urls = {
        "signature": with_param(url, "X-Amz-Signature", flip_last_digit(signature)),
        "key": with_key(url, created["id"], other["id"]),
        "expiry": with_param(url, "X-Amz-Expires", "604800"),
        "date": with_param(url, "X-Amz-Date", shifted(param(url, "X-Amz-Date"), hours=1)),
        "signed headers": with_param(url, "X-Amz-SignedHeaders", "host"),
    }
    async with httpx.AsyncClient() as outside:
        for what, tampered in tampered_urls.items():
            answer = await send_bytes(outside, {**upload, "url": tampered}, BODY)
            assert refused_as(answer, "SignatureDoesNotMatch"), (what, answer.text)
        for what, body, headers in (
            ("longer body", BODY + b" and more", {}),
            ("shorter body", BODY[:-1], {}),
            ("empty body", b"", {}),
            ("other type", BODY, {"Content-Type": "text/plain"}),
        ):
            answer = await send_bytes(outside, upload, body, **headers)
            assert refused_as(answer, "SignatureDoesNotMatch"), (what, answer.text)
        assert objects(s3rver.endpoint, bucket) == {}

        nothing = await client.post(
            f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
        )
        assert nothing.status_code == 409
        assert "Nothing has been uploaded" in nothing.json()["detail"]
        # The genuine URL, untouched, still works.
        assert (await send_bytes(outside, upload, BODY)).status_code == 200
    assert objects(s3rver.endpoint, bucket) == {key: 13}
    done = await client.post(
        f"/api/v1/attachments/{created['id']}/complete", headers=board.member.headers
    )
    assert done.status_code == 200, done.text


async def test_s3rver_refuses_tampered_downloads(
    client: httpx.AsyncClient,
    s3rver: S3rver,
    bucket: str,
) -> None:
    board, task_id = await board_with_task(client)
    async with httpx.AsyncClient() as outside:
        ready = await uploaded(client, task_id, board.member, BODY, outside)
        url = ready["download_url"]
        signature = param(url, "X-Amz-Signature")
        for what, tampered in {
            "disposition": with_param(url, "response-content-disposition", "inline"),
            "type": with_param(url, "response-content-type", "text/html"),
            "signature": with_param(url, "X-Amz-Signature", flip_last_digit(signature)),
            "expiry": with_param(url, "X-Amz-Expires", "604800"),
        }.items():
            answer = await outside.get(tampered)
            assert refused_as(answer, "SignatureDoesNotMatch"), (what, answer.text)
        genuine = await outside.get(url)
        assert genuine.status_code == 200, genuine.text
        assert genuine.content == BODY


async def test_s3rver_refuses_expired_urls(
    client: httpx.AsyncClient,
    settings: Settings,
    s3rver: S3rver,
    bucket: str,
) -> None:
    board, task_id = await board_with_task(client)
    storage = build_storage(settings.files)  # the app's own S3 store
    async with httpx.AsyncClient() as outside:
        ready = await uploaded(client, task_id, board.member, BODY, outside)
        pending = (await declare(client, task_id, board.member, size=13)).json()
        pending_key = f"{board.workspace_id}/{pending['id']}"
        late_upload = storage.presign_upload(pending_key, 13, "application/pdf", ttl=1)
        late_download = storage.presign_download(
            f"{board.workspace_id}/{ready['id']}", "report.pdf", "application/pdf", ttl=1
        )
        assert param(late_upload.url, "X-Amz-Expires") == "1"
        await wait_until_expired(late_upload.url, late_download)

        for answer in (
            await send_bytes(outside, {**pending["upload"], "url": late_upload.url}, BODY),
            await outside.get(late_download),
        ):
            assert s3_error(answer) == (403, "AccessDenied", "Request has expired"), answer.text
        assert pending_key not in objects(s3rver.endpoint, bucket)

        # The app's own, unexpired URLs for the same objects work.
        assert (await send_bytes(outside, pending["upload"], BODY)).status_code == 200
        fresh = await client.get(f"/api/v1/attachments/{ready['id']}", headers=board.member.headers)
        assert (await outside.get(fresh.json()["download_url"])).content == BODY
