"""A cold Lambda container's first task read, create or update imports what it needs only.

A task read runs none of the writes' rules, so it imports neither risk scoring, the history,
the trash, the outbox nor the reactions to events; a write imports those it runs, and the
webhooks' service and cryptography only when its workspace has a webhook to deliver to
(docs/benchmarks.md, "Lambda cold start and memory"). Each first event runs in a fresh
interpreter, on both databases.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.accounts import bearer, create_api_token, register_and_login
from tests.support.lambda_events import run_cold_handler

# Run in the child: one first event, then its answer and the watched modules it imported.
_CHILD = """
import json, sys
from lambda_events import LambdaContext, http_v2, response_json

from smarttask.entrypoints.lambda_http import handler

WATCHED = [
    "smarttask.tasks.routes", "smarttask.tasks.collection_routes",
    "smarttask.tasks.scoring.service", "smarttask.risk.model",
    "smarttask.risk.training", "smarttask.history.models", "smarttask.tasks.trash.models",
    "smarttask.events.outbox", "smarttask.jobs.models", "smarttask.notifications.reactions",
    "smarttask.webhooks.reactions", "smarttask.webhooks.service", "smarttask.analytics.service",
    "smarttask.analysis.models", "cryptography", "pydantic.v1",
]
method, path, body, token = {request}
headers = {{"Authorization": "Bearer " + token}}
if body is not None:
    headers["Content-Type"] = "application/json"
    body = json.dumps(body)
response = handler(http_v2(method, path, headers=headers, body=body), LambdaContext())
answer = [response["statusCode"], response_json(response)]
loaded = [m for m in WATCHED if m in sys.modules]
print(json.dumps({{"step": "first", "answer": answer, "loaded": loaded}}), flush=True)
"""
# Imported by no first task request: analytics, AI analysis, the risk model's training.
_NEVER = {
    "smarttask.risk.training",
    "smarttask.analytics.service",
    "smarttask.analysis.models",
    "pydantic.v1",
}
_WRITES = {
    "smarttask.tasks.scoring.service",
    "smarttask.risk.model",
    "smarttask.history.models",
}
_REACTIONS = {
    "smarttask.events.outbox",
    "smarttask.jobs.models",
    "smarttask.notifications.reactions",
    "smarttask.webhooks.reactions",
}


def _first(
    database_url: str, tmp_path: Path, method: str, path: str, body: object, token: str
) -> tuple[list[object], set[str]]:
    request = repr((method, path, body, token))
    steps = run_cold_handler(_CHILD.format(request=request), database_url, tmp_path)
    return steps["first"]["answer"], set(steps["first"]["loaded"])


async def _task(client: httpx.AsyncClient) -> tuple[str, str, str, dict[str, str]]:
    """An API token, a project and a task in it; the token's headers for the test's calls."""
    headers = await register_and_login(client, "cold-tasks@example.com")
    token = (await create_api_token(client, headers))["token"]
    workspace = await client.post("/api/v1/workspaces", json={"name": "Cold"}, headers=headers)
    project = await client.post(
        f"/api/v1/workspaces/{workspace.json()['id']}/projects",
        json={"name": "Web", "key": "WEB"},
        headers=headers,
    )
    project_id = project.json()["id"]
    task = await client.post(
        f"/api/v1/projects/{project_id}/tasks", json={"title": "Warm"}, headers=headers
    )
    assert task.status_code == 201, task.text
    return token, project_id, task.json()["id"], bearer(token)


async def test_a_first_task_read_imports_no_rule_of_the_writes(
    database_url: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    token, _, task_id, headers = await _task(client)

    answer, loaded = _first(database_url, tmp_path, "GET", f"/api/v1/tasks/{task_id}", None, token)

    assert answer == [200, (await client.get(f"/api/v1/tasks/{task_id}", headers=headers)).json()]
    assert loaded == {"smarttask.tasks.routes"}


async def test_a_first_task_write_imports_its_rules_and_no_webhook_machinery(
    database_url: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    token, project_id, task_id, headers = await _task(client)

    created, on_create = _first(
        database_url,
        tmp_path,
        "POST",
        f"/api/v1/projects/{project_id}/tasks",
        {"title": "Cold write"},
        token,
    )
    updated, on_update = _first(
        database_url,
        tmp_path,
        "PATCH",
        f"/api/v1/tasks/{task_id}",
        {"title": "Cold edit", "priority": "high"},
        token,
    )

    assert created[0] == 201
    assert created[1]["title"] == "Cold write"  # type: ignore[index]
    assert updated[0] == 200
    assert updated[1]["priority"] == "high"  # type: ignore[index]
    read = await client.get(f"/api/v1/tasks/{created[1]['id']}", headers=headers)  # type: ignore[index]
    assert read.json()["title"] == "Cold write"
    # Both ran their rules (risk, history, events and their reactions), each with the routes
    # of its path only (a project's tasks, or one task's) ...
    assert _WRITES | _REACTIONS | {"smarttask.tasks.collection_routes"} <= on_create
    assert "smarttask.tasks.routes" not in on_create
    assert _WRITES | _REACTIONS | {"smarttask.tasks.routes"} <= on_update
    assert "smarttask.tasks.collection_routes" not in on_update
    # ... without the webhooks' service and cryptography: this workspace has no webhook.
    for loaded in (on_create, on_update):
        assert not loaded & (_NEVER | {"smarttask.webhooks.service", "cryptography"})
    events = await client.get(f"/api/v1/tasks/{task_id}/activity", headers=headers)
    assert events.status_code == 200
    assert json.dumps(events.json()).count("Cold edit") >= 1
