"""Helpers of the task page's tests: people, a workspace, a project and tasks made through
the API of a live server (bearer tokens), and the browser signed in as one of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.browser import PASSWORD, sign_in, unique_email


@dataclass(frozen=True)
class Person:
    """An account of the live server, with a bearer token for the API."""

    id: str
    name: str
    email: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Setup:
    """A workspace with a project WEB, its owner, and a member and a viewer."""

    workspace_id: str
    project_id: str
    owner: Person
    member: Person
    viewer: Person


async def person(http: httpx.AsyncClient, name: str) -> Person:
    """Register an account through the API and sign it in."""
    email = unique_email(name.split()[0].lower())
    created = await http.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert created.status_code == 201, created.text
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    return Person(created.json()["id"], name, email, {"Authorization": f"Bearer {token}"})


async def api(http: httpx.AsyncClient, who: Person, method: str, path: str, **body: Any) -> Any:
    """One API call as `who` that must succeed; its JSON body (None for 204)."""
    response = await http.request(method, "/api/v1" + path, json=body or None, headers=who.headers)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


async def setup(base_url: str) -> Setup:
    """A fresh workspace "Acme" with a project "Website" (WEB) and three people."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        owner = await person(http, "Ada Lovelace")
        member = await person(http, "Grace Hopper")
        viewer = await person(http, "Vera Viewer")
        workspace = await api(http, owner, "POST", "/workspaces", name="Acme")
        for who, role in ((member, "member"), (viewer, "viewer")):
            await api(
                http,
                owner,
                "POST",
                f"/workspaces/{workspace['id']}/members",
                email=who.email,
                role=role,
            )
        project = await api(
            http,
            owner,
            "POST",
            f"/workspaces/{workspace['id']}/projects",
            name="Website",
            key="WEB",
        )
    return Setup(workspace["id"], project["id"], owner, member, viewer)


async def new_task(base_url: str, who: Person, project_id: str, **fields: Any) -> dict[str, Any]:
    """A task made through the API; its body."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        body = {"title": "A task"} | fields
        task: dict[str, Any] = await api(http, who, "POST", f"/projects/{project_id}/tasks", **body)
        return task


async def read_task(base_url: str, who: Person, task_id: str) -> dict[str, Any]:
    """The task as the API reads it now."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        task: dict[str, Any] = await api(http, who, "GET", f"/tasks/{task_id}")
        return task


async def open_as(page: Any, who: Person, path: str) -> None:
    """Sign the browser in as `who` and open a page."""
    await sign_in(page, who.email)
    await page.wait_for_url(re.compile(r".*/my-tasks$"))
    await page.goto(path)
