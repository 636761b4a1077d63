"""A Lambda container with tracing on, in a process of its own (tests/integration/test_tracing.py).

It serves a task's analysis request through the HTTP function, says so on stdout and waits
for the job's id on stdin; runs that job through the worker function's SQS path, says so and
waits for a line before it exits. The test looks at the collector in between: the spans must
have left at the end of each invocation, as in a Lambda container frozen after it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from smarttask.entrypoints import lambda_http, lambda_worker
from tests.support.lambda_events import LambdaContext, http_v2, response_json

REQUEST_ID = "lambda-trace-0001"
PASSWORD = "a long and unusual passphrase 42"


def _call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    sent = {"content-type": "application/json", **(headers or {})}
    event = http_v2(method, path, headers=sent, body=None if body is None else json.dumps(body))
    response = lambda_http.handler(event, LambdaContext())
    assert response["statusCode"] < 300, (path, response)
    return response_json(response)


def _say(step: str, **values: Any) -> None:
    print(json.dumps({"step": step, **values}), flush=True)


def main() -> None:
    """Request an analysis through the HTTP function, then run its job through the worker."""
    email = "lambda-tracer@example.com"
    user = _call(
        "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "L"}
    )
    login = _call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    auth = {"authorization": f"Bearer {login['access_token']}"}
    workspace = _call("POST", "/api/v1/workspaces", {"name": "Traced"}, auth)
    project = _call(
        "POST",
        f"/api/v1/workspaces/{workspace['id']}/projects",
        {"name": "Traced", "key": "LAM"},
        auth,
    )
    task = _call("POST", f"/api/v1/projects/{project['id']}/tasks", {"title": "Trace me"}, auth)
    _call(
        "POST", f"/api/v1/tasks/{task['id']}/analysis", None, {**auth, "x-request-id": REQUEST_ID}
    )
    _say("requested", task_id=task["id"], user_id=user["id"])
    job_id = sys.stdin.readline().strip()
    sqs = {"Records": [{"messageId": "message-1", "body": job_id, "eventSource": "aws:sqs"}]}
    result = lambda_worker.handler(sqs, LambdaContext(function_name="smarttask-worker"))
    _say("worked", result=result)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
