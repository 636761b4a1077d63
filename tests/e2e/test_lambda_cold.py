"""A cold Lambda container, in a fresh interpreter: it imports only what each request needs.

The first events (health, a counter) must not import the other domains' routes or models;
requests to those domains then import them and are answered exactly as by a warm app.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.lambda_events import run_cold_handler

# Run in the child: each step prints one JSON line (statuses, bodies, modules imported).
_CHILD = """
import json, sys
from lambda_events import LambdaContext, http_v2, response_json

from smarttask.entrypoints.lambda_http import handler

WATCHED = [
    "smarttask.tasks.routes", "smarttask.tasks.models", "smarttask.accounts.models",
    "smarttask.accounts.routes", "smarttask.workspaces.routes", "smarttask.projects.models",
    "smarttask.comments.routes", "smarttask.attachments.routes", "smarttask.analysis.models",
    "smarttask.jobs.models", "smarttask.kit.idempotency.models", "smarttask.analysis.routes",
    "sqlalchemy.dialects.postgresql", "argon2", "pydantic.v1",
]
JSON = {"Content-Type": "application/json"}


def call(method, path, body=None, token=None):
    headers = dict(JSON) if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body) if body is not None else None
    response = handler(http_v2(method, path, headers=headers, body=data), LambdaContext())
    return response["statusCode"], response_json(response)


def step(name, *answers):
    loaded = [m for m in WATCHED if m in sys.modules]
    print(json.dumps({"step": name, "answers": answers, "loaded": loaded}), flush=True)


step("imported")
step("live", call("GET", "/health/live"))
step("health", call("GET", "/health"))
increment = call("POST", "/api/v1/counters/cold/increment")
step("counter", increment, call("GET", "/api/v1/counters/cold"))
step("missing", call("GET", "/api/v1/no-such-thing"))
account = {"email": "cold@example.com", "password": "a cold start, slowly", "name": "Cold"}
registered = call("POST", "/api/v1/auth/register", account)
credentials = {"email": account["email"], "password": account["password"]}
login = call("POST", "/api/v1/auth/login", credentials)
token = login[1]["access_token"]
step("auth", registered[0], login[0])
unauthenticated = call("GET", "/api/v1/tasks/nothing")
workspace = call("POST", "/api/v1/workspaces", {"name": "Cold"}, token)
web = {"name": "Web", "key": "WEB"}
project = call("POST", f"/api/v1/workspaces/{workspace[1]['id']}/projects", web, token)
created = call("POST", f"/api/v1/projects/{project[1]['id']}/tasks", {"title": "Warm up"}, token)
task_id = created[1]["id"]
read = call("GET", f"/api/v1/tasks/{task_id}", token=token)
comments = call("GET", f"/api/v1/tasks/{task_id}/comments", token=token)
wrong_method = call("PUT", f"/api/v1/tasks/{task_id}", {"title": "x"}, token)
statuses = [unauthenticated[0], workspace[0], project[0], created[0]]
step("tasks", statuses, read, comments, wrong_method[0])
"""


def test_a_cold_handler_imports_only_the_domains_its_requests_need(
    database_url: str, clean_database: None, tmp_path: Path
) -> None:
    steps = run_cold_handler(_CHILD, database_url, tmp_path)
    postgres = database_url.startswith("postgresql")

    assert steps["imported"]["loaded"] == []
    assert steps["live"]["answers"] == [[200, {"status": "ok"}]]
    assert steps["health"]["answers"][0][0] == 200
    assert steps["health"]["loaded"] == (["sqlalchemy.dialects.postgresql"] if postgres else [])
    increment, read = steps["counter"]["answers"]
    assert increment == [200, {**increment[1], "name": "cold", "value": 1}]
    assert read == increment
    assert steps["counter"]["loaded"] == steps["health"]["loaded"]
    [missing] = steps["missing"]["answers"]
    assert missing[0] == 404
    assert missing[1]["status"] == 404
    assert steps["missing"]["loaded"] == steps["health"]["loaded"]

    assert steps["auth"]["answers"] == [201, 200]
    assert "smarttask.accounts.routes" in steps["auth"]["loaded"]
    assert "smarttask.tasks.routes" not in steps["auth"]["loaded"]

    statuses, read, comments, wrong = steps["tasks"]["answers"]
    assert statuses == [401, 201, 201, 201]
    assert read[0] == 200
    assert read[1]["key"] == "WEB-1"
    assert read[1]["title"] == "Warm up"
    assert comments == [200, {"items": [], "next_cursor": None}]
    assert wrong == 405
    assert {"smarttask.tasks.routes", "smarttask.comments.routes"} <= set(steps["tasks"]["loaded"])
    # A task read and its comments import neither the analysis routes nor pydantic.v1.
    assert "smarttask.analysis.routes" not in steps["tasks"]["loaded"]
    assert "pydantic.v1" not in steps["tasks"]["loaded"]
