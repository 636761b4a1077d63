"""Lambda events built from the AWS event shapes in tests/fixtures/aws-events/.

Each builder loads a sample, deep-copies it and sets only what a request changes (method,
path, stage, headers, query, body), the way API Gateway, a function URL or an ALB would.
The folder's README.md says where in AWS's documentation each shape is described.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aws-events"

Query = Sequence[tuple[str, str]]


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that an adapter may read."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "smarttask-http"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:smarttask-http"

    def get_remaining_time_in_millis(self) -> int:
        """Time left before the invocation times out."""
        return 29_000


@cache
def _sample(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of one AWS sample event."""
    event: dict[str, Any] = json.loads(_sample(name))
    return copy.deepcopy(event)


def _body(body: str | bytes | None, base64_encoded: bool) -> tuple[str | None, int]:
    if body is None:
        return None, 0
    raw = body.encode() if isinstance(body, str) else body
    if base64_encoded:
        return base64.b64encode(raw).decode(), len(raw)
    return raw.decode(), len(raw)


def _with_length(headers: dict[str, str] | None, length: int, has_body: bool) -> dict[str, str]:
    out = dict(headers or {})
    if has_body and not any(name.lower() == "content-length" for name in out):
        out["Content-Length"] = str(length)
    return out


def _multi(query: Query) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in query:
        grouped.setdefault(key, []).append(value)
    return grouped


def rest_v1(
    method: str,
    path: str,
    *,
    stage: str = "prod",
    headers: dict[str, str] | None = None,
    query: Query = (),
    body: str | bytes | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload 1.0), on its execute-api URL.

    There the top-level `path` lacks the stage; `requestContext.path` carries it.
    """
    event = sample("api-gateway-rest-v1.json")
    text, length = _body(body, base64_encoded)
    sent = {
        "Host": "id.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "smarttask-tests",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        **_with_length(headers, length, text is not None),
    }
    multi = _multi(query)
    event.update(
        resource="/{proxy+}",
        path=path,
        httpMethod=method,
        headers=sent,
        multiValueHeaders={name: [value] for name, value in sent.items()},
        queryStringParameters={k: v[-1] for k, v in multi.items()} or None,
        multiValueQueryStringParameters=multi or None,
        pathParameters={"proxy": path.lstrip("/")},
        body=text,
        isBase64Encoded=base64_encoded,
    )
    context = event["requestContext"]
    context.update(
        httpMethod=method,
        path=f"/{stage}{path}",
        resourcePath="/{proxy+}",
        stage=stage,
        requestId=str(uuid.uuid4()),
    )
    return event


def _v2(
    event: dict[str, Any],
    method: str,
    path: str,
    *,
    stage: str,
    headers: dict[str, str] | None,
    query: Query,
    body: str | bytes | None,
    base64_encoded: bool,
) -> dict[str, Any]:
    text, length = _body(body, base64_encoded)
    sent = {k.lower(): v for k, v in _with_length(headers, length, text is not None).items()}
    full_path = path if stage == "$default" else f"/{stage}{path}"
    multi = _multi(query)
    event.update(
        rawPath=full_path,
        rawQueryString=urlencode(list(query), quote_via=quote),
        headers={**event["headers"], **sent},
        queryStringParameters={k: ",".join(v) for k, v in multi.items()} or None,
        body=text,
        isBase64Encoded=base64_encoded,
    )
    if event["queryStringParameters"] is None:
        del event["queryStringParameters"]
    if text is None:
        event.pop("body", None)
    context = event["requestContext"]
    context["http"].update(method=method, path=full_path)
    context.update(stage=stage, requestId=str(uuid.uuid4()))
    return event


def http_v2(
    method: str,
    path: str,
    *,
    stage: str = "$default",
    headers: dict[str, str] | None = None,
    query: Query = (),
    body: str | bytes | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0); a named stage prefixes rawPath and http.path."""
    event = sample("api-gateway-http-v2.json")
    event.pop("cookies", None)
    event.update(
        routeKey="ANY /{proxy+}",
        headers={
            "host": "id.execute-api.us-east-1.amazonaws.com",
            "user-agent": "smarttask-tests",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        },
        pathParameters={"proxy": path.lstrip("/")},
    )
    event["requestContext"]["routeKey"] = "ANY /{proxy+}"
    return _v2(
        event,
        method,
        path,
        stage=stage,
        headers=headers,
        query=query,
        body=body,
        base64_encoded=base64_encoded,
    )


def function_url(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: Query = (),
    body: str | bytes | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """A Lambda function URL request (payload 2.0 shape, always the $default stage)."""
    event = sample("function-url.json")
    return _v2(
        event,
        method,
        path,
        stage="$default",
        headers=headers,
        query=query,
        body=body,
        base64_encoded=base64_encoded,
    )


def alb(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: Query = (),
    body: str | bytes | None = None,
    base64_encoded: bool = False,
    multi_value: bool = False,
) -> dict[str, Any]:
    """An Application Load Balancer target-group event (alb.json).

    The ALB passes query values exactly as the client encoded them (it does not decode
    them); with multi-value headers on, it sends multiValueHeaders and
    multiValueQueryStringParameters instead of the single-valued fields.
    """
    event = sample("alb.json")
    text, length = _body(body, base64_encoded)
    sent = {
        **event.pop("headers"),
        "user-agent": "smarttask-tests",
        **{k.lower(): v for k, v in _with_length(headers, length, text is not None).items()},
    }
    encoded = [(quote(k), quote(v)) for k, v in query]
    del event["queryStringParameters"]
    event.update(
        httpMethod=method,
        path=path,
        body=text or "",
        isBase64Encoded=base64_encoded,
    )
    if multi_value:
        event["multiValueHeaders"] = {name: [value] for name, value in sent.items()}
        event["multiValueQueryStringParameters"] = _multi(encoded)
    else:
        event["headers"] = sent
        event["queryStringParameters"] = {k: v[-1] for k, v in _multi(encoded).items()}
    return event


def response_headers(response: dict[str, Any]) -> dict[str, list[str]]:
    """Every header of a Lambda HTTP response, lower-cased, whatever the response format."""
    merged: dict[str, list[str]] = {}
    for name, value in (response.get("headers") or {}).items():
        merged.setdefault(name.lower(), []).append(value)
    for name, values in (response.get("multiValueHeaders") or {}).items():
        merged.setdefault(name.lower(), []).extend(values)
    return merged


def header(response: dict[str, Any], name: str) -> str | None:
    """One header's value (values of a repeated header joined with ', ')."""
    values = response_headers(response).get(name.lower())
    return ", ".join(values) if values else None


def response_body(response: dict[str, Any]) -> bytes:
    """The body bytes the client receives (API Gateway decodes base64 bodies)."""
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()


def response_json(response: dict[str, Any]) -> Any:
    """The body parsed as JSON."""
    return json.loads(response_body(response))


# Loads this file as the module `lambda_events` in a child by its path: importing it as
# tests.support.lambda_events would run tests/support/__init__.py, which imports the app's
# models and so spoils a measure of what a cold handler imports.
_LOAD_EVENTS = """
import importlib.util as _util, sys as _sys
_spec = _util.spec_from_file_location("lambda_events", {path!r})
_sys.modules["lambda_events"] = _util.module_from_spec(_spec)
_spec.loader.exec_module(_sys.modules["lambda_events"])
"""


def run_cold_handler(source: str, database_url: str, cwd: Path) -> dict[str, dict[str, Any]]:
    """Run `source` in a fresh interpreter on the database; its JSON lines by their "step".

    The child sees no SMARTTASK_* variable of the test run but the database URL, and runs in
    `cwd` so that no stray .env file is read. `source` imports these helpers from the module
    `lambda_events` (loaded by path, without the tests.support package).
    """
    root = Path(__file__).resolve().parents[2]
    env = {name: value for name, value in os.environ.items() if not name.startswith("SMARTTASK_")}
    env.update(
        SMARTTASK_DATABASE_URL=database_url,
        SMARTTASK_ENV="development",
        SMARTTASK_LOG_LEVEL="WARNING",
        # This checkout's code, not whichever copy of smarttask is installed.
        PYTHONPATH=os.pathsep.join((str(root / "src"), str(root))),
    )
    completed = subprocess.run(
        [sys.executable, "-c", _LOAD_EVENTS.format(path=str(Path(__file__).resolve())) + source],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {step["step"]: step for step in map(json.loads, completed.stdout.splitlines())}
