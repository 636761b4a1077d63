"""A cold Lambda container checks health and reads a counter without SQLAlchemy's ORM.

`sqlalchemy.ext.asyncio` imports the whole ORM (about 40 ms of CPU on a cold start, of a
budget of about 180 ms, docs/benchmarks.md): those first requests run on Core only.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.lambda_events import run_cold_handler

# Run in the child: each step prints one JSON line (its answers, the ORM modules loaded).
_CHILD = """
import json, sys
from lambda_events import LambdaContext, http_v2, response_json

from smarttask.entrypoints.lambda_http import handler

WATCHED = ["sqlalchemy.orm", "sqlalchemy.ext.asyncio"]


def step(name, method, path):
    response = handler(http_v2(method, path), LambdaContext())
    answer = [response["statusCode"], response_json(response)]
    loaded = [m for m in WATCHED if m in sys.modules]
    print(json.dumps({"step": name, "answer": answer, "loaded": loaded}), flush=True)


step("health", "GET", "/health")
step("counter", "GET", "/api/v1/counters/warm")
step("missing", "GET", "/api/v1/counters/nothing-here")
"""


async def test_health_and_a_counter_read_import_no_orm(
    database_url: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    created = await client.post("/api/v1/counters/warm/increment")
    assert created.status_code == 200
    steps = run_cold_handler(_CHILD, database_url, tmp_path)

    health = steps["health"]["answer"]
    assert health[0] == 200
    assert health[1]["database"] == "connected"
    assert steps["counter"]["answer"] == [200, created.json()]
    missing = steps["missing"]["answer"]
    assert missing[0] == 404
    assert missing[1]["status"] == 404
    for name in ("health", "counter", "missing"):
        assert steps[name]["loaded"] == [], name
