"""Lambda containers share nothing but the database: what one writes, another reads.

Each container is a separate Python process that imports the handler cold, configured
only through the environment, and is driven with events built from the AWS samples.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

# One container: import the handler cold, serve each request given on the command line
# (source, method, path) in turn, print one JSON line per response.
CONTAINER = """
import json, os, sys
from smarttask.entrypoints import lambda_http
from tests.support import lambda_events as events

assert lambda_http._adapter is None, "the handler must start cold"
for source, method, path in zip(*[iter(sys.argv[1:])] * 3):
    event = getattr(events, source)(method, path)
    context = events.LambdaContext()
    response = lambda_http.handler(event, context)
    body = json.loads(events.response_body(response))
    print(json.dumps({"status": response["statusCode"], "body": body, "pid": os.getpid(),
                      "request_id": events.header(response, "x-request-id"),
                      "aws_request_id": context.aws_request_id}))
"""


def _container(database_url: str, workdir: Path, *requests: str) -> list[dict[str, Any]]:
    """Run one cold container process through a sequence of requests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTTASK_")}
    env.update(
        SMARTTASK_DATABASE_URL=database_url,
        SMARTTASK_ENV="development",
        SMARTTASK_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    result = subprocess.run(
        [sys.executable, "-c", CONTAINER, *requests],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(requests) // 3, result.stdout
    return lines


def test_a_counter_written_through_one_container_is_read_through_another(
    database_url: str, clean_database: None, tmp_path: Path
) -> None:
    increment = "/api/v1/counters/shared/increment"
    writer = _container(
        database_url, tmp_path,
        "http_v2", "POST", increment,
        "http_v2", "POST", increment,
        "rest_v1", "POST", increment,
    )  # fmt: skip
    assert [r["status"] for r in writer] == [200, 200, 200]
    assert [r["body"]["value"] for r in writer] == [1, 2, 3]

    reader = _container(
        database_url, tmp_path,
        "rest_v1", "GET", "/api/v1/counters/shared",
        "function_url", "POST", increment,
    )  # fmt: skip
    assert reader[0]["pid"] != writer[0]["pid"]
    assert reader[0]["status"] == 200
    assert reader[0]["body"]["value"] == 3
    assert reader[0]["body"]["created_at"] == writer[0]["body"]["created_at"]
    assert reader[1]["body"]["value"] == 4
    # Each response carries its own invocation's AWS request id.
    assert all(r["request_id"] == r["aws_request_id"] for r in writer + reader)

    again = _container(database_url, tmp_path, "alb", "GET", "/api/v1/counters/shared")
    assert again[0]["body"]["value"] == 4
