"""Bad input at scale: every operation that takes a body, fed oversized, deeply nested,
NUL-bearing, wrongly typed and unicode-tricky bodies (tests/support/fuzz_cases.py).

Every answer is a 2xx or a 4xx problem, never a 5xx; a body docs/api.md forces the app to
refuse gets exactly its 413, 415 or 422. Must-reject cases run first, and afterwards every
row of every table is as before (Idempotency-Key claims included). May-accept cases run
next, one at a time between two row counts: a refused one changes nothing, an accepted one
has its text read back exactly as sent (after the schema's own normalisation).

`SMARTTASK_RELIABILITY_PROFILE=full` runs many more cases than the default CI profile;
`SMARTTASK_RELIABILITY_REPORT_DIR` receives the figures as JSON.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, literal, select, union_all

from smarttask.app import UNREPLAYABLE_PREFIXES, create_app
from smarttask.db.registry import Base
from smarttask.imports.limits import MAX_UPLOAD_BYTES, UPLOAD_PATHS
from smarttask.kit.schemas import InputSchema
from smarttask.speed._fastapi_private import api_routes
from tests.support import make_settings
from tests.support.accounts import app_of, set_user
from tests.support.figures import profile_name, save_figures
from tests.support.fuzz_cases import Case, Generator, Operation, Profile, json_kind, violation
from tests.support.workspaces import PASSWORD, Account, add_member, new_workspace, signup

PROFILE = Profile.named(profile_name())
SEED = 20261122
MAX_BODY = 2_621_440  # 2.5 MiB: room for arrays of 10^6 items ("0," is two bytes)
MAX_PROBLEM_BYTES = 16_384  # a refusal never echoes a big input back
# Routes that read raw bytes rather than JSON (not in the OpenAPI document).
RAW_BODY_ROUTES = {("PUT", "/api/v1/storage/objects/{key:path}")}
HOOK_URL = "http://93.184.216.34/hooks"
# Refused sign-ins and proofs are written to the security log on purpose, in a transaction of
# their own (docs/security.md): the one table a refused request may add rows to.
SECURITY_LOG = "security_event"
_serial = itertools.count()


@dataclass
class World:
    """The seeded tenant: an owner (also instance admin), a member, an outsider, resources."""

    owner: Account
    member: Account
    outsider: Account
    workspace_id: str
    project_id: str
    task_id: str
    other_task_id: str
    comment_id: str
    attachment_id: str
    upload: dict[str, Any]
    report_id: str = "00000000-0000-4000-8000-000000000000"
    webhook_id: str = "00000000-0000-4000-8000-000000000000"
    state_id: str = "00000000-0000-4000-8000-000000000000"


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}"


def _project_key() -> str:
    """A fresh project key: F and base-36 digits."""
    number, digits = next(_serial), ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
        if not number:
            return "F" + digits


# A valid body per operation; unique fields are fresh on each call, so that a may-accept
# case is not refused only because its base collides with an earlier one.
Base_ = Callable[[World], dict[str, Any]]
BASE_BODIES: dict[tuple[str, str], Base_] = {
    ("POST", "/api/v1/auth/register"): lambda w: {
        "email": f"{_unique('fuzz')}@example.com",
        "password": PASSWORD,
        "name": "Fuzz",
    },
    ("POST", "/api/v1/auth/login"): lambda w: {"email": w.owner.email, "password": PASSWORD},
    ("POST", "/api/v1/auth/refresh"): lambda w: {"refresh_token": "r" * 43},
    ("POST", "/api/v1/auth/logout"): lambda w: {"refresh_token": "r" * 43},
    ("PATCH", "/api/v1/users/me"): lambda w: {"name": "Owner"},
    # A wrong current password: a may-accept case never changes the owner's password.
    ("POST", "/api/v1/users/me/password"): lambda w: {
        "current_password": "not-the-password-1",
        "new_password": "another-long-passphrase-2",
    },
    ("POST", "/api/v1/users/me/totp/confirm"): lambda w: {"code": "123456"},
    ("DELETE", "/api/v1/users/me/totp"): lambda w: {"code": "123456"},
    ("POST", "/api/v1/users/me/tokens"): lambda w: {"name": "fuzz", "current_password": PASSWORD},
    # Account control with a wrong proof: a may-accept case never erases or enrols anyone.
    ("DELETE", "/api/v1/users/me"): lambda w: {"current_password": "not-the-password-1"},
    ("POST", "/api/v1/users/me/totp"): lambda w: {"current_password": "not-the-password-1"},
    ("POST", "/api/v1/users/me/export"): lambda w: {"current_password": "not-the-password-1"},
    ("DELETE", "/api/v1/users/{user_id}"): lambda w: {"current_password": "not-the-password-1"},
    ("PATCH", "/api/v1/users/{user_id}"): lambda w: {"name": "Member"},
    ("POST", "/api/v1/workspaces"): lambda w: {"name": "Fuzz"},
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): lambda w: {"name": "Team"},
    ("POST", "/api/v1/workspaces/{workspace_id}/members"): lambda w: {
        "email": w.outsider.email,
        "role": "viewer",
    },
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): lambda w: {"role": "member"},
    ("POST", "/api/v1/workspaces/{workspace_id}/projects"): lambda w: {
        "name": "Fuzz",
        "key": _project_key(),
    },
    ("PATCH", "/api/v1/projects/{project_id}"): lambda w: {"name": "Web"},
    # Planning: a new state each time (names are unique); a state id that is nobody's.
    ("POST", "/api/v1/projects/{project_id}/states"): lambda w: {
        "name": _unique("State "),
        "category": "todo",
    },
    ("PATCH", "/api/v1/states/{state_id}"): lambda w: {"color": "#112233"},
    ("POST", "/api/v1/tasks/{task_id}/move"): lambda w: {},
    # Custom fields (a new name each time), views, logged time; field, view and entry ids
    # that are nobody's (the bodies are checked either way).
    ("POST", "/api/v1/workspaces/{workspace_id}/fields"): lambda w: {
        "name": _unique("Field "),
        "type": "text",
    },
    ("PATCH", "/api/v1/fields/{field_id}"): lambda w: {"name": "Field"},
    ("POST", "/api/v1/workspaces/{workspace_id}/views"): lambda w: {"name": "View"},
    ("PATCH", "/api/v1/views/{view_id}"): lambda w: {"name": "View"},
    ("POST", "/api/v1/tasks/{task_id}/time-entries"): lambda w: {
        "minutes": 30,
        "date": "2026-12-01",
    },
    ("PATCH", "/api/v1/time-entries/{entry_id}"): lambda w: {"minutes": 5},
    # The first accepted one lets the member in; the next ones are 409s (already in).
    ("POST", "/api/v1/projects/{project_id}/members"): lambda w: {"user_id": w.member.id},
    ("POST", "/api/v1/projects/{project_id}/tasks"): lambda w: {"title": "Fuzz"},
    ("PATCH", "/api/v1/tasks/{task_id}"): lambda w: {"title": "t"},
    ("POST", "/api/v1/tasks/bulk"): lambda w: {"task_ids": [w.task_id], "changes": {"title": "t"}},
    # An unknown task: the world's tasks stay out of the trash for the other operations.
    ("POST", "/api/v1/tasks/bulk-delete"): lambda w: {"task_ids": [w.report_id]},
    ("POST", "/api/v1/tasks/{task_id}/dependencies"): lambda w: {"depends_on_id": w.other_task_id},
    ("POST", "/api/v1/tasks/{task_id}/comments"): lambda w: {"body": "c"},
    ("PATCH", "/api/v1/comments/{comment_id}"): lambda w: {"body": "c"},
    ("POST", "/api/v1/tasks/{task_id}/attachments"): lambda w: {
        "filename": "f.txt",
        "content_type": "text/plain",
        "size": 10,
    },
    ("POST", "/api/v1/analytics/custom-report"): lambda w: {
        "dimensions": ["status"],
        "metrics": ["created"],
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/reports"): lambda w: {
        "name": "Fuzz",
        "definition": {"metrics": ["created"]},
        "visibility": "private",
    },
    ("PATCH", "/api/v1/reports/{report_id}"): lambda w: {"name": "Report"},
    # Account mail (docs/mail.md): a reset mail for the owner is harmless; unknown tokens
    # (43 characters, like real ones) are refused, so may-accept cases change no account.
    ("POST", "/api/v1/auth/password-reset"): lambda w: {"email": w.owner.email},
    ("POST", "/api/v1/auth/password-reset/confirm"): lambda w: {
        "token": "t" * 43,
        "new_password": "another-long-passphrase-2",
    },
    ("POST", "/api/v1/auth/verify-email"): lambda w: {"token": "t" * 43},
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"): lambda w: {
        "email": f"{_unique('invitee')}@example.com",
        "role": "member",
    },
    ("POST", "/api/v1/invitations/accept"): lambda w: {"token": "t" * 43},
    ("PUT", "/api/v1/users/me/notification-preferences"): lambda w: {
        "preferences": {"comment_added": {"in_app": True, "email": "off"}}
    },
    # A public IP literal: the URL check needs no DNS (webhooks/targets.py).
    ("POST", "/api/v1/workspaces/{workspace_id}/webhooks"): lambda w: {
        "url": HOOK_URL,
        "events": ["task.created"],
    },
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): lambda w: {"events": ["task.created"]},
}
# Operations that also take query parameters (formatted like the path).
QUERIES = {("POST", "/api/v1/analytics/custom-report"): "?workspace_id={workspace_id}"}
PATH_IDS: dict[str, Callable[[World], str]] = {
    "user_id": lambda w: w.member.id,
    "workspace_id": lambda w: w.workspace_id,
    "project_id": lambda w: w.project_id,
    "task_id": lambda w: w.task_id,
    "comment_id": lambda w: w.comment_id,
    "attachment_id": lambda w: w.attachment_id,
    "report_id": lambda w: w.report_id,
    "webhook_id": lambda w: w.webhook_id,
    "state_id": lambda w: w.state_id,
    "field_id": lambda w: w.state_id,
    "view_id": lambda w: w.state_id,
    "entry_id": lambda w: w.state_id,
}


def _app() -> Any:
    return create_app(make_settings("sqlite+aiosqlite:///:memory:"), lazy_routes=False)


def body_operations(app: Any) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """(method, path) -> (body JSON schema, components) of every operation with a JSON body."""
    document = app.openapi()
    components = document.get("components", {}).get("schemas", {})
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if content:
                schema = content["application/json"]["schema"]
                if "$ref" in schema:
                    schema = components[schema["$ref"].rsplit("/", 1)[-1]]
                found[(method.upper(), path)] = (schema, components)
    assert found, "no body operation found: the enumeration is broken"
    return found


def body_models(app: Any) -> dict[tuple[str, str], type[Any]]:
    """(method, path) -> the pydantic model of the body, from the routes."""
    app.openapi()  # includes every lazily loaded router
    return {
        (method, route.path): route.body_field.field_info.annotation
        for route in api_routes(app.routes)
        if route.body_field is not None and route.path.startswith("/api/")
        for method in route.methods
    }


def _bounded(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    """Names of the string fields without a length, enum or format bound, and unbounded arrays."""
    loose = []
    for name, prop in schema.get("properties", {}).items():
        for part in prop.get("anyOf", [prop]):
            part = defs.get(part["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in part else part
            bounds = {"maxLength", "enum", "pattern"} & part.keys()
            dated = part.get("format") in ("date-time", "date")  # bounded by their format
            if part.get("type") == "string" and not bounds and not dated:
                loose.append(name)
            if part.get("type") == "array" and "maxItems" not in part:
                loose.append(name)
    return loose


def test_every_body_operation_is_fuzzed() -> None:
    app = _app()
    operations = body_operations(app)
    assert set(operations) == set(BASE_BODIES), (
        "give each body operation a valid base body (and drop stale ones): "
        f"{sorted(set(operations) ^ set(BASE_BODIES))}"
    )
    models = body_models(app)
    assert set(models) == set(operations)
    for key, model in models.items():
        assert issubclass(model, InputSchema), f"{key}: its body skips InputSchema's checks"
    raw = {
        (method, route.path)
        for route in api_routes(app.routes)
        if not route.include_in_schema and route.path.startswith("/api/")
        for method in route.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    # The web app's form routes (outside /api) validate through these same schemas
    # (web/forms.py); tests/browser/test_tenancy.py and the page tests send them bad forms.
    assert raw == RAW_BODY_ROUTES, f"fuzz the raw-body routes too: {sorted(raw)}"
    dummy = Account("00000000-0000-4000-8000-000000000000", "d@example.com", {})
    world = World(dummy, dummy, dummy, *["00000000-0000-4000-8000-000000000000"] * 6, {})
    for (method, path), (schema, defs) in operations.items():
        params = {part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")}
        assert params <= PATH_IDS.keys(), f"{method} {path}: no seeded resource for {params}"
        assert not _bounded(schema, defs), f"{method} {path}: unbounded {_bounded(schema, defs)}"
        base = BASE_BODIES[(method, path)](world)
        assert violation(base, schema, defs) is None, f"{method} {path}: invalid base {base}"


# --- the run -------------------------------------------------------------------------------


@dataclass
class Figures:
    """What the run sent and got."""

    backend: str
    profile: str = PROFILE.name
    seed: int = SEED
    operations: list[str] = field(default_factory=list)
    bodyless: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    must_reject: int = 0
    may_accept: int = 0
    accepted: int = 0
    refused: int = 0
    round_trips: int = 0
    rows_from_accepted: Counter[str] = field(default_factory=Counter)
    refusals_logged: int = 0
    failures: list[str] = field(default_factory=list)
    timings: Counter[str] = field(default_factory=Counter)
    per_operation: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    seconds: float = 0.0

    def record(self, op: str, case: Case, status: int, seconds: float) -> None:
        """Count one answer."""
        self.per_operation[op][status] += 1
        self.sent[case.category] += 1
        self.timings[case.category] += seconds
        self.statuses[case.category][status] += 1
        if 200 <= status < 300:
            self.accepted += 1
        elif 400 <= status < 500:
            self.refused += 1

    def histogram(self) -> Counter[int]:
        """Statuses over all categories."""
        return sum(self.statuses.values(), Counter())

    def as_json(self) -> dict[str, Any]:
        """The figures as a JSON document."""
        return {
            "backend": self.backend,
            "profile": self.profile,
            "seed": self.seed,
            "operations": self.operations,
            "bodyless_writes": self.bodyless,
            "requests": sum(self.sent.values()),
            "requests_per_category": dict(sorted(self.sent.items())),
            "statuses": {str(k): v for k, v in sorted(self.histogram().items())},
            "statuses_per_category": {
                c: {str(k): v for k, v in sorted(s.items())}
                for c, s in sorted(self.statuses.items())
            },
            "must_reject": self.must_reject,
            "may_accept": self.may_accept,
            "accepted_2xx": self.accepted,
            "refused_4xx": self.refused,
            "round_trips_checked": self.round_trips,
            "rows_from_accepted": dict(sorted(self.rows_from_accepted.items())),
            "refusals_logged": self.refusals_logged,
            "statuses_per_operation": {
                o: {str(k): v for k, v in sorted(s.items())}
                for o, s in sorted(self.per_operation.items())
            },
            "seconds_per_category": {c: round(t, 2) for c, t in sorted(self.timings.items())},
            "failures": self.failures,
            "seconds": round(self.seconds, 1),
        }


async def _seed(client: httpx.AsyncClient) -> World:
    """The tenant whose resources fill the path ids."""
    owner, member = await signup(client, "owner"), await signup(client, "member")
    outsider = await signup(client, "outsider")
    await set_user(client, owner.email, is_admin=True)
    workspace_id = await new_workspace(client, owner)
    await add_member(client, workspace_id, owner, member, "member")
    headers = owner.headers

    async def created(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    project = await created(
        f"/api/v1/workspaces/{workspace_id}/projects", {"name": "Web", "key": "WEB"}
    )
    task = await created(
        f"/api/v1/projects/{project['id']}/tasks", {"title": "t", "labels": ["bug"]}
    )
    other = await created(f"/api/v1/projects/{project['id']}/tasks", {"title": "other"})
    comment = await created(f"/api/v1/tasks/{task['id']}/comments", {"body": "c"})
    attachment = await created(
        f"/api/v1/tasks/{task['id']}/attachments",
        {"filename": "a.txt", "content_type": "text/plain", "size": 5},
    )
    report = await created(
        f"/api/v1/workspaces/{workspace_id}/reports",
        {"name": "Report", "definition": {"metrics": ["created"]}, "visibility": "workspace"},
    )
    webhook = await created(
        f"/api/v1/workspaces/{workspace_id}/webhooks",
        {"url": HOOK_URL, "events": ["task.created"]},
    )
    return World(
        owner,
        member,
        outsider,
        workspace_id,
        project["id"],
        task["id"],
        other["id"],
        comment["id"],
        attachment["id"],
        attachment["upload"],
        report["id"],
        webhook["id"],
    )


async def _digest(client: httpx.AsyncClient) -> dict[str, str]:
    """A hash of every row of every table."""
    found = {}
    async with app_of(client).state.database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            text = "\n".join(sorted(repr(tuple(row)) for row in rows))
            found[table.name] = hashlib.sha256(text.encode()).hexdigest()
    return found


_COUNTS = union_all(
    *(
        select(literal(table.name).label("name"), func.count().label("rows")).select_from(table)
        for table in Base.metadata.sorted_tables
    )
)


async def _counts(client: httpx.AsyncClient) -> Counter[str]:
    """Rows per table, in one statement."""
    async with app_of(client).state.database.engine.connect() as connection:
        rows = (await connection.execute(_COUNTS)).all()
    return Counter({str(name): int(count) for name, count in rows})


def _delta(after: Counter[str], before: Counter[str]) -> Counter[str]:
    """Rows gained (or lost, negative) per table."""
    return Counter(
        {t: after[t] - before[t] for t in after.keys() | before.keys() if after[t] != before[t]}
    )


async def _chunks(raw: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(raw), 65_536):
        yield raw[start : start + 65_536]


async def _send(
    client: httpx.AsyncClient, method: str, url: str, case: Case, auth: dict[str, str]
) -> httpx.Response:
    content: Any = _chunks(case.raw) if case.chunked else case.raw
    return await client.request(method, url, content=content, headers={**auth, **case.headers})


def _problem_failure(response: httpx.Response) -> str | None:
    """What is wrong with a 4xx answer as an RFC 9457 problem (docs/api.md); None if fine."""
    if response.headers.get("content-type") != "application/problem+json":
        return f"content-type {response.headers.get('content-type')}"
    if len(response.content) > MAX_PROBLEM_BYTES:
        return f"a {len(response.content)}-byte problem"
    body = response.json()
    if not {"type", "title", "status", "detail", "request_id"} <= body.keys():
        return f"fields {sorted(body)}"
    if body["status"] != response.status_code or body["request_id"] != response.headers.get(
        "x-request-id"
    ):
        return "status or request_id differ from the answer's"
    if response.status_code == 422:
        errors = body.get("errors")
        if not errors or not all({"loc", "msg", "type"} <= e.keys() for e in errors):
            return "422 without errors"
    return None


class Fuzz:
    """Sends the cases of every operation and checks each answer."""

    def __init__(self, client: httpx.AsyncClient, world: World, figures: Figures) -> None:
        self.client = client
        self.world = world
        self.figures = figures
        app = app_of(client)
        self.document = app.openapi()
        self.models = body_models(app)
        self.operations: list[Operation] = []
        for (method, path), (schema, defs) in body_operations(app).items():
            base = BASE_BODIES[(method, path)]
            self.operations.append(Operation(method, path, schema, defs, lambda b=base: b(world)))
        figures.operations = [op.name for op in self.operations]
        self.keys = itertools.count()
        self.may_accept: list[tuple[Operation, Case]] = []  # kept from the reject phase

    def url(self, op: Operation) -> str:
        """The operation's path with the seeded ids."""
        address = op.path + QUERIES.get((op.method, op.path), "")
        return address.format(**{name: fill(self.world) for name, fill in PATH_IDS.items()})

    def fail(self, op: Operation, case: Case, status: int, why: str, text: str = "") -> None:
        """Note a failure (the test fails at the end with all of them)."""
        self.figures.failures.append(
            f"{op.name} [{case.category}] {case.label}: {status} {why} {text[:200]}"
        )

    def check(self, op: Operation, case: Case, response: httpx.Response) -> None:
        """The status and the problem document of one answer."""
        status = response.status_code
        self.figures.record(op.name, case, status, response.elapsed.total_seconds())
        if status >= 500 or status < 200 or 300 <= status < 400:
            self.fail(op, case, status, "never a 5xx", response.text)
        elif case.must_reject and status != case.expected:
            self.fail(op, case, status, f"must be {case.expected} ({case.reason})", response.text)
        elif status >= 400 and (problem := _problem_failure(response)):
            self.fail(op, case, status, problem, response.text)

    async def reject_phase(self) -> None:
        """Every must-reject case of every operation; POSTs partly with an Idempotency-Key."""
        for op in self.operations:
            for case in Generator(op, PROFILE, SEED, MAX_BODY).cases():
                if not case.must_reject:
                    self.may_accept.append((op, case))
                    continue
                self.figures.must_reject += 1
                serial = next(self.keys)
                if op.method == "POST" and serial % 3 == 0:
                    case.headers.setdefault("idempotency-key", f"fuzz-{serial}")
                response = await _send(self.client, op.method, self.url(op), case, self.auth)
                self.check(op, case, response)

    @property
    def auth(self) -> dict[str, str]:
        """The owner's credentials."""
        return self.world.owner.headers

    async def accept_phase(self) -> None:
        """Every may-accept case, between two row counts."""
        for op, case in self.may_accept:
            self.figures.may_accept += 1
            before = await _counts(self.client)
            response = await _send(self.client, op.method, self.url(op), case, self.auth)
            self.check(op, case, response)
            delta = _delta(await _counts(self.client), before)
            if response.status_code >= 400 and SECURITY_LOG in delta:
                self.figures.refusals_logged += delta.pop(SECURITY_LOG)
            if response.status_code >= 400 and delta:
                self.fail(op, case, response.status_code, f"refused but wrote {dict(delta)}")
            elif response.is_success:
                self.figures.rows_from_accepted.update(delta)
                await self.read_back(op, case, response)

    async def read_back(self, op: Operation, case: Case, response: httpx.Response) -> None:
        """The accepted text fields read back exactly as the schema normalised them."""
        if response.status_code == 204:
            return
        expected = self.models[(op.method, op.path)].model_validate(case.parsed)
        normalised = expected.model_dump(mode="json")
        location = response.headers.get("location")
        if location:
            read = await self.client.get(location, headers=self.auth)
        elif "get" in self.document["paths"].get(op.path, {}):
            read = await self.client.get(self.url(op), headers=self.auth)
        else:
            read = response
        stored = read.json()
        for name, value in case.parsed.items():
            prop = op.schema["properties"].get(name, {})
            plain = prop.get("type") == "string" and not {"format", "enum"} & prop.keys()
            if plain and json_kind(value) == "string" and name in stored:
                self.figures.round_trips += 1
                if stored[name] != normalised[name]:
                    self.fail(op, case, read.status_code, f"{name} stored as {stored[name]!r}")

    async def bodyless_phase(self) -> None:
        """Writes that take no body still refuse one over the limit or not JSON, at the edge
        (the counters' HotRoute included), before anything runs."""
        dummy = "00000000-0000-4000-8000-000000000000"
        ids = {name: fill(self.world) for name, fill in PATH_IDS.items()}
        for path, operations in self.document["paths"].items():
            for method in operations.keys() & {"post", "put", "patch", "delete"}:
                if "requestBody" in operations[method]:
                    continue
                op = Operation(method.upper(), path, {}, {}, dict)
                names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
                url = path.format(**{name: ids.get(name, dummy) for name in names})
                # A file upload (a project import) has a limit of its own.
                limit = MAX_UPLOAD_BYTES if UPLOAD_PATHS.match(url) else MAX_BODY
                big = b"[" + b"0," * (limit // 2) + b"0]"
                json_type = {"content-type": "application/json"}
                cases = [
                    Case("transport.bodyless", "over the limit", big, json_type, 413),
                    Case(
                        "transport.bodyless",
                        "text/plain",
                        b"x",
                        {"content-type": "text/plain"},
                        415,
                    ),
                ]
                # With a key the unit of work reads the body itself (and meets the limit); on
                # routes whose answers are never stored the key is ignored and nothing reads it.
                if op.method == "POST" and not path.startswith(UNREPLAYABLE_PREFIXES):
                    keyed = json_type | {"idempotency-key": f"bodyless-{next(self.keys)}"}
                    cases.append(
                        Case("transport.bodyless", "chunked, keyed", big, keyed, 413, True)
                    )
                for case in cases:
                    self.figures.must_reject += 1
                    self.check(op, case, await _send(self.client, op.method, url, case, self.auth))
                self.figures.bodyless.append(op.name)

    async def raw_upload_phase(self) -> None:
        """The signed upload URL refuses garbage without storing anything."""
        op = Operation("PUT", "/api/v1/storage/objects/{key:path}", {}, {}, dict)
        upload = self.world.upload
        url, size = upload["url"], int(upload["headers"]["Content-Length"])
        bad_sig = url.replace("sig=", "sig=0")
        cases = [
            (
                bad_sig,
                Case("raw", "forged signature", b"x" * size, {"content-type": "text/plain"}),
                403,
            ),
            (
                url,
                Case("raw", "other Content-Type", b"x" * size, {"content-type": "text/html"}),
                403,
            ),
            (
                url,
                Case("raw", "wrong size", b"x" * (size + 1), {"content-type": "text/plain"}),
                403,
            ),
            (
                url,
                Case("raw", "chunked", b"x" * size, {"content-type": "text/plain"}, chunked=True),
                411,
            ),
            (
                bad_sig,
                Case(
                    "raw",
                    "over the JSON limit",
                    b"\x00" * (MAX_BODY + 1),
                    {"content-type": "text/plain"},
                ),
                403,
            ),
            (
                url.replace("/objects/", "/objects/%00"),
                Case("raw", "NUL in the key", b"x" * size, {"content-type": "text/plain"}),
                422,
            ),
        ]
        for target, case, status in cases:
            case.expect = status
            self.figures.must_reject += 1
            response = await _send(self.client, "PUT", target, case, {})
            self.check(op, case, response)


def _report(figures: Figures, capsys: pytest.CaptureFixture[str]) -> None:
    data = figures.as_json()
    save_figures(
        f"body-fuzz-{figures.backend}-{figures.profile}.json",
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
    )
    with capsys.disabled():
        print(
            f"\nbody fuzz [{figures.backend}, {figures.profile}, seed {SEED}]: "
            f"{len(figures.operations)} body operations (+{len(figures.bodyless)} bodyless "
            f"writes, +1 raw upload), {data['requests']} requests in "
            f"{data['seconds']} s; must-reject {figures.must_reject}, may-accept "
            f"{figures.may_accept}; 2xx {figures.accepted}, 4xx {figures.refused}; "
            f"statuses {data['statuses']}; round trips {figures.round_trips}; rows from "
            f"accepted {data['rows_from_accepted']}; failures {len(figures.failures)}"
        )
        for category, count in data["requests_per_category"].items():
            seconds = data["seconds_per_category"][category]
            statuses = data["statuses_per_category"][category]
            print(f"  {category:28} {count:6} {seconds:7.2f} s  {statuses}")


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    """No rate limits (the fuzz sends thousands of sign-ins), room for 10^6-item arrays."""
    return {
        "rate_limit_enabled": False,
        "max_body_bytes": MAX_BODY,
        "access_token_ttl_seconds": 24 * 3600,
        "storage_path": str(tmp_path / "objects"),
    }


async def test_bad_bodies_get_4xx_problems_and_leave_nothing(
    client: httpx.AsyncClient, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    figures = Figures(backend)
    world = await _seed(client)
    fuzz = Fuzz(client, world, figures)

    before = await _digest(client)
    counts_before = await _counts(client)
    await fuzz.reject_phase()
    await fuzz.raw_upload_phase()
    await fuzz.bodyless_phase()
    after = await _digest(client)
    changed = sorted(name for name in before if before[name] != after[name])
    await fuzz.accept_phase()
    explained = figures.rows_from_accepted + Counter({SECURITY_LOG: figures.refusals_logged})
    unexplained = _delta(_delta(await _counts(client), counts_before), explained)
    figures.seconds = time.perf_counter() - started
    _report(figures, capsys)

    assert not figures.failures, "\n".join(figures.failures[:40])
    assert not changed, f"rejected requests changed the tables {changed}"
    assert not unexplained, f"rows no accepted request accounts for: {dict(unexplained)}"
    assert figures.accepted  # both phases really ran
    assert figures.refused
    completed = await client.post(
        f"/api/v1/attachments/{world.attachment_id}/complete", headers=world.owner.headers
    )
    assert completed.status_code == 409, "a refused upload stored the object"
