"""Helpers of the project pages' tests: a workspace, a project and tasks made through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Project:
    """A workspace and a project in it, and the API headers of their owner."""

    workspace_id: str
    project_id: str
    headers: dict[str, str]


async def api_headers(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    """Bearer headers of an access token from /api/v1/auth/login."""
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def new_project(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    workspace: str = "Acme",
    name: str = "Website",
    key: str = "WEB",
) -> Project:
    """A workspace and a project in it, made through the API."""
    made = await http.post("/api/v1/workspaces", json={"name": workspace}, headers=headers)
    assert made.status_code == 201, made.text
    workspace_id = made.json()["id"]
    project = await http.post(
        f"/api/v1/workspaces/{workspace_id}/projects",
        json={"name": name, "key": key},
        headers=headers,
    )
    assert project.status_code == 201, project.text
    return Project(workspace_id, project.json()["id"], headers)


async def add_task(http: httpx.AsyncClient, project: Project, **fields: Any) -> dict[str, Any]:
    """A task created through the API; its body."""
    body = {"title": "A task"} | fields
    made = await http.post(
        f"/api/v1/projects/{project.project_id}/tasks", json=body, headers=project.headers
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def add_member(http: httpx.AsyncClient, project: Project, email: str, role: str) -> None:
    """Add someone to the project's workspace with a role."""
    added = await http.post(
        f"/api/v1/workspaces/{project.workspace_id}/members",
        json={"email": email, "role": role},
        headers=project.headers,
    )
    assert added.status_code == 201, added.text
