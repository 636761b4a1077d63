"""Saved reports (contract §8): CRUD, who sees and changes what, runs in every format."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pypdf

from tests.support.accounts import assert_problem
from tests.support.tasks import Board, new_board, new_task, walk
from tests.support.workspaces import add_member, signup

API = "/api/v1"
BY_STATUS = {"dimensions": ["status"], "metrics": ["created", "open"]}
SCHEDULE = {
    "frequency": "weekly",
    "time": "08:00",
    "timezone": "Europe/Paris",
    "format": "xlsx",
    "recipients": ["lead@example.com"],
}


async def create(
    client: httpx.AsyncClient,
    board: Board,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {"name": "Work by status", "definition": BY_STATUS, "visibility": "workspace"} | fields
    response = await client.post(
        f"{API}/workspaces/{board.workspace_id}/reports",
        json=body,
        headers=headers or board.member.headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    assert response.headers["location"] == f"{API}/reports/{response.json()['id']}"
    report: dict[str, Any] = response.json()
    return report


async def some_tasks(client: httpx.AsyncClient, board: Board) -> None:
    await new_task(client, board, title="one")
    await new_task(client, board, title="two")
    await new_task(client, board, title="three", status="in_progress")
    await new_task(client, board, title="four", status="done")


async def test_create_read_update_delete_with_etags(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    report = await create(client, board)
    assert report["owner_id"] == board.member.id
    assert report["workspace_id"] == board.workspace_id
    assert report["definition"]["metrics"] == ["created", "open"]
    assert report["schedule"] is None
    url = f"{API}/reports/{report['id']}"

    read = await client.get(url, headers=board.member.headers)
    assert read.status_code == 200
    assert read.json() == report
    tag = read.headers["etag"]

    stale = await client.patch(
        url, json={"name": "Renamed"}, headers=board.member.headers | {"If-Match": '"999"'}
    )
    assert_problem(stale, 412)
    assert (await client.get(url, headers=board.member.headers)).json()["name"] == report["name"]

    renamed = await client.patch(
        url,
        json={"name": "  Renamed  ", "schedule": SCHEDULE},
        headers=board.member.headers | {"If-Match": tag},
    )
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["name"] == "Renamed"
    assert body["version"] == report["version"] + 1
    assert renamed.headers["etag"] == f'"{body["version"]}"'
    schedule = body["schedule"]
    assert schedule["delivery"] == "mail"
    assert schedule["stopped_reason"] is None
    next_run = datetime.fromisoformat(schedule["next_run_at"])
    assert next_run > datetime.now(UTC)
    in_paris = next_run.astimezone(ZoneInfo("Europe/Paris"))
    assert (in_paris.weekday(), in_paris.strftime("%H:%M")) == (0, "08:00")

    unscheduled = await client.patch(url, json={"schedule": None}, headers=board.member.headers)
    assert unscheduled.json()["schedule"] is None
    assert unscheduled.json()["name"] == "Renamed"

    gone = await client.delete(url, headers=board.member.headers | {"If-Match": tag})
    assert_problem(gone, 412)
    current = (await client.get(url, headers=board.member.headers)).headers["etag"]
    deleted = await client.delete(url, headers=board.member.headers | {"If-Match": current})
    assert deleted.status_code == 204
    assert_problem(await client.get(url, headers=board.member.headers), 404)

    trail = await client.get(
        f"{API}/workspaces/{board.workspace_id}/activity", headers=board.owner.headers
    )
    actions = [
        entry["action"] for entry in trail.json()["items"] if entry["entity_type"] == "report"
    ]
    assert actions == ["deleted", "updated", "updated", "created"]


async def test_private_reports_are_their_owners_only(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    private = await create(client, board, name="Mine", visibility="private")
    shared = await create(client, board, name="Ours")
    own_by_owner = await create(
        client, board, board.owner.headers, name="Owner's private", visibility="private"
    )
    listing = f"{API}/workspaces/{board.workspace_id}/reports"

    seen = {r["id"] for r in await walk(client, listing, board.member.headers, limit=1)}
    assert seen == {private["id"], shared["id"]}
    seen = {r["id"] for r in await walk(client, listing, board.viewer.headers, limit=1)}
    assert seen == {shared["id"]}
    seen = {r["id"] for r in await walk(client, listing, board.owner.headers)}
    assert seen == {shared["id"], own_by_owner["id"]}

    for who in (board.viewer, board.owner):  # an admin included: private means private
        for path in ("", "/run", "/deliveries"):
            assert_problem(
                await client.get(f"{API}/reports/{private['id']}{path}", headers=who.headers), 404
            )
        assert_problem(
            await client.patch(
                f"{API}/reports/{private['id']}", json={"name": "x"}, headers=who.headers
            ),
            404,
        )
    assert (
        await client.get(f"{API}/reports/{shared['id']}", headers=board.viewer.headers)
    ).status_code == 200

    # Sharing a private report makes it visible; making it private again hides it.
    await client.patch(
        f"{API}/reports/{private['id']}",
        json={"visibility": "workspace"},
        headers=board.member.headers,
    )
    assert (
        await client.get(f"{API}/reports/{private['id']}", headers=board.viewer.headers)
    ).status_code == 200


async def test_roles_decide_who_creates_and_changes(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    other_member = await signup(client, "m2")
    await add_member(client, board.workspace_id, board.owner, other_member, "member")
    report = await create(client, board)
    url = f"{API}/reports/{report['id']}"

    refused = await client.post(
        f"{API}/workspaces/{board.workspace_id}/reports",
        json={"name": "x", "definition": BY_STATUS},
        headers=board.viewer.headers,
    )
    assert_problem(refused, 403)
    for who in (board.viewer, other_member):
        assert_problem(await client.patch(url, json={"name": "x"}, headers=who.headers), 403)
        assert_problem(await client.delete(url, headers=who.headers), 403)
    assert (await client.get(url, headers=board.member.headers)).json()["name"] == report["name"]

    by_admin = await client.patch(
        url, json={"name": "Fixed by the owner"}, headers=board.owner.headers
    )
    assert by_admin.status_code == 200
    assert by_admin.json()["owner_id"] == board.member.id  # changing does not take it over
    assert (await client.delete(url, headers=board.owner.headers)).status_code == 204


async def test_other_workspaces_see_nothing(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    stranger = await new_board(client)
    report = await create(client, board)
    url = f"{API}/reports/{report['id']}"
    for method, path, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("DELETE", "", None),
        ("GET", "/run?format=csv", None),
        ("GET", "/deliveries", None),
    ):
        response = await client.request(
            method, url + path, json=body, headers=stranger.owner.headers
        )
        body_ = assert_problem(response, 404)
        assert body_["detail"] == "There is no such report."
    missing = await client.get(f"{API}/reports/nope", headers=board.member.headers)
    assert assert_problem(missing, 404)["detail"] == "There is no such report."
    for method, json_body in (("GET", None), ("POST", {"name": "x", "definition": BY_STATUS})):
        response = await client.request(
            method,
            f"{API}/workspaces/{board.workspace_id}/reports",
            json=json_body,
            headers=stranger.owner.headers,
        )
        assert_problem(response, 404)
    assert (await client.get(url, headers=board.member.headers)).json()["name"] == report["name"]


async def test_run_in_every_format(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    await some_tasks(client, board)
    report = await create(client, board, name="Work by status: Q4 — Überblick")
    url = f"{API}/reports/{report['id']}/run"
    expected = [["done", 1, 0], ["in_progress", 1, 1], ["todo", 2, 2]]
    today = datetime.now(UTC).date().isoformat()

    as_json = await client.get(url, headers=board.viewer.headers)  # shared: a viewer runs it
    assert as_json.status_code == 200, as_json.text
    result = as_json.json()
    assert result["columns"] == ["status", "created", "open"]
    assert result["rows"] == expected
    assert result["to"] == today
    assert result["timezone"] == "UTC"
    assert (await client.get(url + "?format=json", headers=board.member.headers)).json() == result

    stem = f"work-by-status-q4-uberblick-{today}"
    as_csv = await client.get(url, params={"format": "csv"}, headers=board.member.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == f'attachment; filename="{stem}.csv"'
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows == [["status", "created", "open"]] + [[str(c) for c in r] for r in expected]

    as_xlsx = await client.get(url, params={"format": "xlsx"}, headers=board.member.headers)
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert as_xlsx.headers["content-disposition"] == f'attachment; filename="{stem}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["status", "created", "open"],
        *expected,
    ]

    as_pdf = await client.get(url, params={"format": "pdf"}, headers=board.member.headers)
    assert as_pdf.status_code == 200
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.headers["content-disposition"] == f'attachment; filename="{stem}.pdf"'
    document = pypdf.PdfReader(io.BytesIO(as_pdf.content))
    text = "\n".join(page.extract_text() for page in document.pages)
    assert "Work by status: Q4" in text
    for cell in ("status", "created", "open", "done", "in_progress", "todo"):
        assert cell in text, cell
    assert f"to {today}" in text
    # The executive summary (the local analyser's, checked by the guardrail) opens it.
    assert "The highest created is" in " ".join(text.split())

    refused = await client.get(url, params={"format": "docx"}, headers=board.member.headers)
    assert assert_problem(refused, 422)["errors"]


async def test_a_report_over_time_runs_as_its_owner_with_its_own_range(
    client: httpx.AsyncClient,
) -> None:
    board = await new_board(client)
    await some_tasks(client, board)
    report = await create(
        client,
        board,
        definition={"dimensions": ["day"], "metrics": ["created", "completed"], "days": 7},
    )
    result = (
        await client.get(f"{API}/reports/{report['id']}/run", headers=board.owner.headers)
    ).json()
    today = datetime.now(UTC).date()
    assert result["to"] == today.isoformat()
    assert (today - datetime.fromisoformat(result["from"]).date()).days == 6
    assert result["rows"] == [[today.isoformat(), 4, 1]]
    pdf = await client.get(
        f"{API}/reports/{report['id']}/run", params={"format": "pdf"}, headers=board.owner.headers
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    # Once its owner has left the workspace, nobody can run it (it runs as its owner).
    left = await client.delete(
        f"{API}/workspaces/{board.workspace_id}/members/{board.member.id}",
        headers=board.owner.headers,
    )
    assert left.status_code == 204, left.text
    refused = await client.get(f"{API}/reports/{report['id']}/run", headers=board.owner.headers)
    assert assert_problem(refused, 409)["detail"] == "The report's owner left the workspace."


async def test_bad_input_is_refused(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    other = await new_board(client)
    url = f"{API}/workspaces/{board.workspace_id}/reports"
    good = {"name": "Report", "definition": BY_STATUS, "visibility": "private"}
    for change in (
        {"name": ""},
        {"name": "x" * 201},
        {"name": "a\u0000b"},
        {"name": None},
        {"visibility": "public"},
        {"definition": {"metrics": ["velocity"]}},
        {"definition": {"dimensions": ["colour"], "metrics": ["created"]}},
        {"definition": {"metrics": ["created"], "from": "2026-05-02", "to": "2026-05-01"}},
        {"definition": {"metrics": ["created"], "project_id": other.project_id}},
        {"definition": {"metrics": ["created"], "filters": {"q": "\u0000"}}},
        {"owner_id": board.owner.id},
        {"schedule": SCHEDULE | {"timezone": "Mars/Olympus_Mons"}},
        {"schedule": SCHEDULE | {"timezone": ""}},
        {"schedule": SCHEDULE | {"time": "24:00"}},
        {"schedule": SCHEDULE | {"time": "8:00"}},
        {"schedule": SCHEDULE | {"time": "08:00:00"}},
        {"schedule": SCHEDULE | {"format": "docx"}},
        {"schedule": SCHEDULE | {"frequency": "hourly"}},
        {"schedule": SCHEDULE | {"recipients": ["not-an-email"]}},
        {"schedule": SCHEDULE | {"recipients": []}},
        {"schedule": SCHEDULE | {"recipients": [f"p{i}@example.com" for i in range(21)]}},
        {"schedule": SCHEDULE | {"recipients": "lead@example.com"}},
        {"schedule": SCHEDULE | {"delivery": "pigeon"}},
        {"schedule": SCHEDULE | {"cron": "* * * * *"}},
        {"schedule": {"frequency": "daily"}},
    ):
        response = await client.post(url, json=good | change, headers=board.member.headers)
        body = assert_problem(response, 422)
        assert body["errors"], (change, body)
    listed = await client.get(url, headers=board.member.headers)
    assert listed.json()["items"] == []

    report = await create(client, board)
    for change in (
        {"name": None},
        {"definition": None},
        {"visibility": None},
        {"schedule": SCHEDULE | {"time": "12:60"}},
        {"version": 5},
    ):
        response = await client.patch(
            f"{API}/reports/{report['id']}", json=change, headers=board.member.headers
        )
        assert assert_problem(response, 422)["errors"], change
    for query in ("limit=0", "limit=101", "cursor=garbage"):
        response = await client.get(f"{url}?{query}", headers=board.member.headers)
        assert_problem(response, 422)
        response = await client.get(
            f"{API}/reports/{report['id']}/deliveries?{query}", headers=board.member.headers
        )
        assert_problem(response, 422)


async def test_recipients_are_kept_once_each(client: httpx.AsyncClient) -> None:
    board = await new_board(client)
    schedule = SCHEDULE | {
        "recipients": ["Lead@example.com", "lead@example.com", "ops@example.org"],
        "delivery": "storage",
        "frequency": "monthly",
        "time": "00:00",
        "timezone": "Asia/Tokyo",
    }
    report = await create(client, board, schedule=schedule)
    assert report["schedule"]["recipients"] == ["Lead@example.com", "ops@example.org"]
    assert report["schedule"]["delivery"] == "storage"
    first = datetime.fromisoformat(report["schedule"]["next_run_at"])
    assert first.astimezone(UTC).strftime("%d %H:%M") in (
        "28 15:00",
        "29 15:00",
        "30 15:00",
        "31 15:00",
    )
