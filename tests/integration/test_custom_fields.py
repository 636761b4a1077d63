"""Custom fields (docs/planning.md, Custom fields): definitions, task values, and lists
filtered and sorted by a field, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from smarttask.accounts.models import User
from smarttask.events.models import Event
from smarttask.kit.problems import ValidationFailed
from smarttask.projects import repository as projects
from smarttask.tasks import service as tasks
from smarttask.tasks.models import Task
from smarttask.tasks.schemas import TaskCreate
from tests.support.accounts import app_of, assert_problem
from tests.support.fields import new_field, patch_task
from tests.support.tasks import new_board, new_task, walk
from tests.support.workspaces import new_workspace, signup

API = "/api/v1"


async def test_field_crud_and_refusals(client: httpx.AsyncClient) -> None:
    """Admins manage fields, viewers read them, outsiders see nothing, If-Match holds."""
    board = await new_board(client)
    url = f"{API}/workspaces/{board.workspace_id}/fields"
    field = await new_field(
        client, board, "Stage", "select", options=[{"name": "A", "color": "#ff0000"}, {"name": "B"}]
    )
    assert [o["name"] for o in field["options"]] == ["A", "B"]
    assert all(o["id"] for o in field["options"])
    listed = await client.get(url, headers=board.viewer.headers)
    assert [f["id"] for f in listed.json()["items"]] == [field["id"]]
    for body in (
        {"name": "x", "type": "colour"},
        {"name": "", "type": "text"},
        {"name": "x", "type": "text", "options": [{"name": "no"}]},
        {"name": "x", "type": "text", "role": "owner"},
        {"name": "x\u0000", "type": "text"},
    ):
        assert_problem(await client.post(url, json=body, headers=board.owner.headers), 422)
    forbidden = {"name": "x", "type": "text"}
    assert_problem(await client.post(url, json=forbidden, headers=board.member.headers), 403)
    assert_problem(await client.post(url, json=forbidden, headers=board.viewer.headers), 403)
    outsider = await signup(client, "out")
    assert_problem(await client.get(url, headers=outsider.headers), 404)
    one = f"{API}/fields/{field['id']}"
    assert_problem(await client.get(one, headers=outsider.headers), 404)
    read = await client.get(one, headers=board.member.headers)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    options = [{"id": field["options"][1]["id"], "name": "Beta"}, {"name": "C"}]
    renamed = await client.patch(
        one,
        json={"name": "Phase", "options": options},
        headers={**board.owner.headers, "If-Match": etag},
    )
    assert renamed.status_code == 200, renamed.text
    assert [o["name"] for o in renamed.json()["options"]] == ["Beta", "C"]
    stale = await client.patch(
        one, json={"name": "Late"}, headers={**board.owner.headers, "If-Match": etag}
    )
    assert_problem(stale, 412)
    assert_problem(await client.patch(one, json={"name": "M"}, headers=board.member.headers), 403)
    assert_problem(await client.delete(one, headers=board.member.headers), 403)
    assert (await client.delete(one, headers=board.owner.headers)).status_code == 204
    assert_problem(await client.get(one, headers=board.owner.headers), 404)


async def test_idempotent_field_creation(client: httpx.AsyncClient) -> None:
    """The same Idempotency-Key replays the first answer and creates one field."""
    board = await new_board(client)
    url = f"{API}/workspaces/{board.workspace_id}/fields"
    headers = {**board.owner.headers, "Idempotency-Key": "field-1"}
    first = await client.post(url, json={"name": "Cost", "type": "number"}, headers=headers)
    again = await client.post(url, json={"name": "Cost", "type": "number"}, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len((await client.get(url, headers=board.owner.headers)).json()["items"]) == 1


async def test_task_values_by_type(client: httpx.AsyncClient) -> None:
    """Each type takes its values and refuses others; null clears; trail and body agree."""
    board = await new_board(client)
    made = {
        kind: await new_field(client, board, kind, kind)
        for kind in ("text", "number", "date", "user", "checkbox", "url")
    }
    select = await new_field(client, board, "S", "select", options=[{"name": "a"}, {"name": "b"}])
    multi = await new_field(
        client, board, "M", "multi_select", options=[{"name": "x"}, {"name": "y"}]
    )
    opt = [o["id"] for o in select["options"]]
    tags = [o["id"] for o in multi["options"]]
    good = {
        made["text"]["id"]: "hello",
        made["number"]["id"]: 2.5,
        made["date"]["id"]: "2026-12-24",
        made["user"]["id"]: board.viewer.id,
        made["checkbox"]["id"]: True,
        made["url"]["id"]: "https://example.com/a",
        select["id"]: opt[1],
        multi["id"]: [tags[1], tags[0], tags[1]],
    }
    task = await new_task(client, board, fields=good)
    expected = {**good, multi["id"]: sorted(tags)}
    assert task["fields"] == expected
    read = await client.get(f"{API}/tasks/{task['id']}", headers=board.viewer.headers)
    assert read.json()["fields"] == expected
    outsider = await signup(client, "x")
    bad = {
        made["text"]["id"]: ["x"],
        made["number"]["id"]: "3",
        made["date"]["id"]: "2026-13-01",
        made["user"]["id"]: outsider.id,
        made["checkbox"]["id"]: 1,
        made["url"]["id"]: "javascript:alert(1)",
        select["id"]: tags[0],
        multi["id"]: [opt[0]],
    }
    for field_id, value in bad.items():
        refused = await patch_task(client, board, task["id"], {field_id: value})
        assert_problem(refused, 422)
    assert_problem(
        await patch_task(client, board, task["id"], {made["text"]["id"]: "x" * 2001}), 422
    )
    other = await new_workspace(client, board.owner, "Other")
    foreign = await client.post(
        f"{API}/workspaces/{other}/fields",
        json={"name": "F", "type": "text"},
        headers=board.owner.headers,
    )
    foreign_id = foreign.json()["id"]
    assert_problem(await patch_task(client, board, task["id"], {foreign_id: "x"}), 422)
    assert_problem(await patch_task(client, board, task["id"], {"nope": "x"}), 422)
    unchanged = await client.get(f"{API}/tasks/{task['id']}", headers=board.viewer.headers)
    assert unchanged.json()["fields"] == expected
    assert unchanged.json()["version"] == task["version"]
    changed = await patch_task(
        client, board, task["id"], {made["number"]["id"]: 7, made["text"]["id"]: None}
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()["fields"]
    assert after[made["number"]["id"]] == 7
    assert made["text"]["id"] not in after
    assert changed.json()["version"] == task["version"] + 1
    trail = await client.get(f"{API}/tasks/{task['id']}/activity", headers=board.member.headers)
    latest = trail.json()["items"][0]["changes"]["fields"]
    assert latest == {
        "old": {made["number"]["id"]: 2.5, made["text"]["id"]: "hello"},
        "new": {made["number"]["id"]: 7, made["text"]["id"]: None},
    }
    untouched = await new_task(client, board, title="Without values")
    # Removing an option clears it from tasks; deleting a field removes its values.
    await client.patch(
        f"{API}/fields/{multi['id']}",
        json={"options": [{"id": tags[1], "name": "y"}]},
        headers=board.owner.headers,
    )
    await client.delete(f"{API}/fields/{select['id']}", headers=board.owner.headers)
    final = (await client.get(f"{API}/tasks/{task['id']}", headers=board.viewer.headers)).json()
    assert final["fields"][multi["id"]] == [tags[1]]
    assert select["id"] not in final["fields"]
    # ... and the task's trail says what it lost, each in an entry of the task.
    trail = await client.get(f"{API}/tasks/{task['id']}/activity", headers=board.member.headers)
    deleted, removed = (item for item in trail.json()["items"][:2])
    assert (removed["action"], removed["actor_id"]) == ("updated", board.owner.id)
    assert removed["changes"] == {
        "fields": {"old": {multi["id"]: sorted(tags)}, "new": {multi["id"]: [tags[1]]}}
    }
    assert deleted["changes"] == {
        "fields": {"old": {select["id"]: opt[1]}, "new": {select["id"]: None}}
    }
    quiet = await client.get(
        f"{API}/tasks/{untouched['id']}/activity", headers=board.member.headers
    )
    assert [item["action"] for item in quiet.json()["items"]] == ["created"]


@pytest.mark.parametrize("scope", ["project", "workspace"])
async def test_filter_and_sort_by_field_walk_every_page(
    client: httpx.AsyncClient, scope: str
) -> None:
    """Filtered and sorted by a field, pages of 2 list every matching task once, in order."""
    board = await new_board(client)
    points = await new_field(client, board, "Points", "number")
    stage = await new_field(
        client, board, "Stage", "select", options=[{"name": "a"}, {"name": "b"}]
    )
    a, b = (o["id"] for o in stage["options"])
    values = [5, 1, None, 3, 1, None, 8]
    tasks = []
    for index, value in enumerate(values):
        fields: dict[str, Any] = {stage["id"]: a if index % 2 == 0 else b}
        if value is not None:
            fields[points["id"]] = value
        tasks.append(await new_task(client, board, title=f"T{index}", fields=fields))
    url = (
        f"{API}/projects/{board.project_id}/tasks"
        if scope == "project"
        else f"{API}/workspaces/{board.workspace_id}/tasks"
    )
    headers = board.viewer.headers
    sort = f"field.{points['id']}"
    ascending = await walk(client, url, headers, sort=sort, limit=2)
    keyed = [(t["fields"].get(points["id"]), t["id"]) for t in ascending]
    with_value = sorted(k for k in keyed if k[0] is not None)
    assert keyed == with_value + sorted(k for k in keyed if k[0] is None)
    assert len(keyed) == len(values)
    descending = await walk(client, url, headers, sort=f"-{sort}", limit=2)
    keys = [(t["fields"].get(points["id"]), t["id"]) for t in descending]
    assert keys == sorted(with_value, reverse=True) + sorted(
        (k for k in keys if k[0] is None), reverse=True
    )
    only_a = await walk(client, url, headers, **{f"field.{stage['id']}": a}, sort=sort, limit=2)
    assert {t["id"] for t in only_a} == {t["id"] for i, t in enumerate(tasks) if i % 2 == 0}
    ranged = await walk(
        client,
        url,
        headers,
        **{f"field.{points['id']}.gte": "2", f"field.{points['id']}.lte": "6"},
    )
    assert sorted(t["fields"][points["id"]] for t in ranged) == [3, 5]
    exact = await walk(client, url, headers, **{f"field.{points['id']}": "1"})
    assert len(exact) == 2
    for params in (
        {"sort": "field.nope"},
        {"field.nope": "1"},
        {f"field.{points['id']}": "many"},
        {f"field.{stage['id']}.gte": a},
    ):
        assert_problem(await client.get(url, params=params, headers=headers), 422)


async def test_concurrent_field_writes_never_fail_or_mix(client: httpx.AsyncClient) -> None:
    """Two writers of one task's multi_select: both win in turn, or the later gets 409."""
    board = await new_board(client)
    tags = await new_field(
        client, board, "Tags", "multi_select", options=[{"name": n} for n in "abcd"]
    )
    ids = [o["id"] for o in tags["options"]]
    task = await new_task(client, board)
    results = await asyncio.gather(
        patch_task(client, board, task["id"], {tags["id"]: ids[:2]}),
        patch_task(client, board, task["id"], {tags["id"]: ids[2:]}),
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses in ([200, 200], [200, 409]), [r.text for r in results]
    final = await client.get(f"{API}/tasks/{task['id']}", headers=board.viewer.headers)
    assert final.json()["fields"][tags["id"]] in (sorted(ids[:2]), sorted(ids[2:]))


async def test_field_changes_are_in_the_task_event(client: httpx.AsyncClient) -> None:
    """task.updated carries the fields' old and new values, as the trail does."""
    board = await new_board(client)
    flag = await new_field(client, board, "Blocked", "checkbox")
    task = await new_task(client, board)
    assert (await patch_task(client, board, task["id"], {flag["id"]: True})).status_code == 200
    async with app_of(client).state.database.session() as session:
        rows = await session.scalars(
            select(Event).where(Event.type == "task.updated").order_by(Event.created_at)
        )
        events = [e for e in rows if e.data["task"]["id"] == task["id"]]
    assert events[-1].data["changes"]["fields"] == {
        "old": {flag["id"]: None},
        "new": {flag["id"]: True},
    }


async def test_a_workspace_has_at_most_50_fields(client: httpx.AsyncClient) -> None:
    """The 51st field is refused; deleting one makes room again."""
    board = await new_board(client)
    made = [await new_field(client, board, f"F{i}", "checkbox") for i in range(50)]
    url = f"{API}/workspaces/{board.workspace_id}/fields"
    body = {"name": "one too many", "type": "text"}
    assert_problem(await client.post(url, json=body, headers=board.owner.headers), 422)
    gone = await client.delete(f"{API}/fields/{made[0]['id']}", headers=board.owner.headers)
    assert gone.status_code == 204
    assert (await client.post(url, json=body, headers=board.owner.headers)).status_code == 201
    pages = await walk(client, url, board.viewer.headers, limit=20)
    assert len(pages) == 50
    assert len({f["id"] for f in pages}) == 50


async def test_a_refused_value_leaves_no_task_in_a_going_transaction(
    client: httpx.AsyncClient,
) -> None:
    """A caller that goes on after a refusal (an import) finds no half-made task: the values
    are checked before the task is written."""
    board = await new_board(client)
    points = await new_field(client, board, "Points", "number")
    async with app_of(client).state.database.session() as session:
        user = await session.get(User, board.member.id)
        project = await projects.get(session, board.project_id)
        assert user is not None
        assert project is not None
        body = TaskCreate(title="Half", fields={points["id"]: "many"})
        with pytest.raises(ValidationFailed):
            await tasks.create(session, user, project, body)
        count = select(func.count()).select_from(Task).where(Task.project_id == project.id)
        assert await session.scalar(count) == 0
        made, _ = await tasks.create(session, user, project, TaskCreate(title="Whole"))
        await session.commit()
    listed = await client.get(
        f"{API}/projects/{board.project_id}/tasks", headers=board.member.headers
    )
    assert [task["id"] for task in listed.json()["items"]] == [made.id]
