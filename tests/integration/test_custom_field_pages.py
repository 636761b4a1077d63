"""Custom field pages without a browser (both databases): the workspace's fields page, the
task page's box, saving values (a refusal changes nothing), and the list's field filter."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.web import post_form, web_login
from tests.support.web_projects import add_task, api_headers, new_project
from tests.support.workspaces import PASSWORD, signup


async def test_fields_pages_and_task_values(client: httpx.AsyncClient) -> None:
    owner = await signup(client, "owner")
    headers = await api_headers(client, owner.email, PASSWORD)
    project = await new_project(client, headers)
    url = f"/api/v1/projects/{project.project_id}"
    workspace_id = (await client.get(url, headers=headers)).json()["workspace_id"]
    assert (await web_login(client, owner.email, PASSWORD)).status_code == 303

    listing = await client.get(f"/workspaces/{workspace_id}/fields")
    assert listing.status_code == 200
    form: dict[str, Any] = {"name": "Points", "type": "number"}
    page = f"/workspaces/{workspace_id}/fields"
    created = await post_form(client, page, page, form)
    assert created.status_code == 303, created.text
    fields = await client.get(f"/api/v1/workspaces/{workspace_id}/fields", headers=headers)
    field_id = fields.json()["items"][0]["id"]
    refused = await post_form(client, page, page, {"name": "", "type": "number"})
    assert refused.status_code == 422

    task = await add_task(client, project, title="Estimate me")
    other = await add_task(client, project, title="Small one")
    shown = await client.get(f"/tasks/{task['id']}")
    assert shown.status_code == 200, shown.text
    assert f'name="field.{field_id}"' in shown.text
    values = {f"field.{field_id}": "8", "version": str(task["version"])}
    task_page, action = f"/tasks/{task['id']}", f"/tasks/{task['id']}/fields"
    saved = await post_form(client, task_page, action, values)
    assert saved.status_code == 303, saved.text
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=headers)
    assert read.json()["fields"] == {field_id: 8}
    bad = {f"field.{field_id}": "lots", "version": str(read.json()["version"])}
    wrong = await post_form(client, task_page, action, bad)
    assert wrong.status_code == 422
    assert "Points must be a number" in wrong.text
    again = await client.get(f"/api/v1/tasks/{task['id']}", headers=headers)
    assert again.json()["fields"] == {field_id: 8}

    filtered = await client.get(
        f"/projects/{project.project_id}",
        params={"cf": field_id, "cf_value": "8", "sort": f"-field.{field_id}"},
    )
    assert filtered.status_code == 200, filtered.text
    assert "Estimate me" in filtered.text
    assert other["title"] not in filtered.text
