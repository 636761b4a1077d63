"""The route index answers every path exactly as Starlette's full scan does."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request

from smarttask.speed._fastapi_private import flat_routes
from smarttask.speed.routing import _Index, index_routes

PATHS = [
    "/",
    "/health",
    "/health/",
    "/api/v1/things",
    "/api/v1/things/",
    "/api/v1/things/me",
    "/api/v1/things/42",
    "/api/v1/things/42/parts",
    "/api/v1/other/x",
    "/api/v2/things/me",
    "/anything/deep/path/here",
    "/late/added",
    "/nowhere",
]


def _app(indexed: bool) -> FastAPI:
    app = FastAPI()
    router = APIRouter(prefix="/things")

    @app.get("/health")
    async def health() -> str:
        return "health"

    @router.get("")
    async def things() -> str:
        return "list"

    @router.get("/me")
    async def me() -> str:
        return "me"

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> str:
        return f"thing {thing_id}"

    @router.post("/{thing_id}/parts")
    async def parts(thing_id: str) -> str:
        return f"parts {thing_id}"

    app.include_router(router, prefix="/api/v1")

    @app.get("/{first}/deep/{rest:path}")
    async def catch_all(first: str, rest: str) -> str:
        return f"deep {first} {rest}"

    if indexed:
        index_routes(app.router)
    return app


async def _answers(app: FastAPI) -> list[tuple[str, str, int, str, str | None]]:
    transport = httpx.ASGITransport(app=app)
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path in PATHS:
            for method in ("GET", "POST", "DELETE"):
                response = await client.request(method, path)
                answers.append(
                    (
                        method,
                        path,
                        response.status_code,
                        response.text,
                        response.headers.get("location"),
                    )
                )
    return answers


async def test_indexed_routing_answers_like_the_full_scan() -> None:
    """Same status, body and redirect for matches, 404s, 405s and trailing slashes."""
    plain, indexed = _app(indexed=False), _app(indexed=True)
    expected = await _answers(plain)
    assert await _answers(indexed) == expected
    statuses = {answer[2] for answer in expected}
    assert {200, 404, 405, 307} <= statuses  # the cases above are all exercised


async def test_routes_added_after_indexing_are_found() -> None:
    """A route included after the index was built is still routed (the index is rebuilt)."""
    app = _app(indexed=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/late/added")).status_code == 404

        @app.get("/late/added")
        async def late() -> str:
            return "late"

        response = await client.get("/late/added")
        assert response.status_code == 200
        assert response.json() == "late"


@pytest.mark.parametrize("path", ["/api/v1/things/me", "/api/v1/things/7"])
async def test_route_order_is_kept(path: str) -> None:
    """An earlier literal route still wins over a later parameterised one."""
    app = _app(indexed=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        body = (await client.get(path)).json()
    assert body == ("me" if path.endswith("/me") else "thing 7")


async def test_a_405_allows_the_methods_of_every_route_of_the_path() -> None:
    """GET and DELETE declared by two routes of one path: a PUT is told both (RFC 9110)."""
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def read(thing_id: str) -> str:
        return thing_id

    @app.delete("/things/{thing_id}")
    async def remove(thing_id: str) -> None:
        return None

    index_routes(app.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.put("/things/7")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"


async def test_a_405_on_a_literal_path_allows_its_own_methods_only() -> None:
    """`/invitations/accept` (POST) beside `/invitations/{id}` (DELETE): an OPTIONS of the
    literal path is told POST, the resource the OpenAPI document describes there."""
    app = FastAPI()
    router = APIRouter()

    @router.post("/invitations/accept")
    async def accept() -> str:
        return "accepted"

    @router.delete("/invitations/{invitation_id}")
    async def revoke(invitation_id: str) -> None:
        return None

    app.include_router(router, prefix="/api/v1")
    index_routes(app.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        literal = await client.options("/api/v1/invitations/accept")
        other = await client.options("/api/v1/invitations/7")
    assert literal.status_code == 405
    assert literal.headers["allow"] == "POST"
    assert other.status_code == 405
    assert other.headers["allow"] == "DELETE"


def _two_routers() -> FastAPI:
    app = FastAPI()
    tasks, counters = APIRouter(), APIRouter()

    @tasks.get("/tasks/{task_id}")
    async def read(task_id: str) -> str:
        return f"task {task_id}"

    @tasks.delete("/tasks/{task_id}")
    async def remove(task_id: str) -> None:
        return None

    @tasks.get("/projects/{project_id}/tasks")
    async def listed(project_id: str) -> str:
        return f"list {project_id}"

    @counters.get("/counters/{name}")
    async def counter(name: str) -> str:
        return f"counter {name}"

    app.include_router(tasks, prefix="/api/v1")
    app.include_router(counters, prefix="/api/v1")
    index_routes(app.router)
    return app


def test_only_the_routes_of_the_path_s_prefix_are_tried() -> None:
    """Included routers (kept whole by FastAPI after 0.128) are tried only for their paths."""
    app = _two_routers()
    index = _Index(app.router)
    tried = {
        view.path
        for route, _ in index.candidates("/api/v1/counters/x")
        for view in flat_routes([route])
    }
    assert tried == {"/api/v1/counters/{name}"}
    tried = {
        view.path
        for route, _ in index.candidates("/api/v1/projects/p/tasks")
        for view in flat_routes([route])
    }
    assert "/api/v1/projects/{project_id}/tasks" in tried
    assert "/api/v1/counters/{name}" not in tried


async def test_included_routers_answer_and_tell_every_method_of_a_path() -> None:
    """Routes of included routers are found; a 405 names every method of the path."""
    app = _two_routers()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/api/v1/counters/c")).json() == "counter c"
        assert (await client.get("/api/v1/projects/p/tasks")).json() == "list p"
        assert (await client.get("/api/v1/tasks/t")).json() == "task t"
        response = await client.put("/api/v1/tasks/t")
        assert (await client.get("/api/v1/nothing")).status_code == 404
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"


async def test_a_route_runs_with_the_scope_fastapi_routing_gives_it() -> None:
    """The route, endpoint, path parameters, router and FastAPI's own record of the
    selection (FastAPI 0.165: the inclusion, the route's effective context) are the same
    whether the index or FastAPI's loop selected the route."""
    seen: list[dict[str, object]] = []

    async def marker() -> None:
        return None

    app = FastAPI()
    router = APIRouter(prefix="/things", dependencies=[Depends(marker)])

    @router.get("/me")
    async def me() -> str:
        return "me"

    @router.get("/{thing_id}")
    async def thing(thing_id: str, request: Request) -> str:
        scope = request.scope
        seen.append(
            {
                "route": scope["route"],
                "endpoint": scope["endpoint"],
                "path_params": scope["path_params"],
                "router": scope["router"],
                "fastapi": dict(scope.get("fastapi", {})),
            }
        )
        return thing_id

    app.include_router(router, prefix="/api/v1")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/api/v1/things/7")).json() == "7"
        index_routes(app.router)
        assert (await client.get("/api/v1/things/7")).json() == "7"
    plain, indexed = seen
    assert indexed == plain
    assert plain["path_params"] == {"thing_id": "7"}


async def test_routes_added_to_an_included_router_later_are_routed_as_fastapi_does() -> None:
    """Routers changed after their inclusion was indexed: the answers stay FastAPI's (on
    0.165 the new routes are served, on 0.128 they are not: included routes are copies)."""
    answers = []
    for indexed in (False, True):
        app = FastAPI()
        first, second = APIRouter(prefix="/things"), APIRouter(prefix="/things")

        @first.get("/{thing_id}/parts")
        async def parts(thing_id: str) -> str:
            return f"parts {thing_id}"

        @second.get("/{thing_id}")
        async def thing(thing_id: str) -> str:
            return f"second {thing_id}"

        app.include_router(first)
        app.include_router(second)
        if indexed:
            index_routes(app.router)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.get("/things/1")  # the index is built

            @first.get("/{thing_id}")  # before `second`'s route, which matches too
            async def earlier(thing_id: str) -> str:
                return f"first {thing_id}"

            @second.post("/{thing_id}")  # where only a GET was
            async def post(thing_id: str) -> str:
                return f"posted {thing_id}"

            answers.append(
                [
                    ((response := await client.request(method, path)).status_code, response.text)
                    for method, path in [("GET", "/things/7"), ("POST", "/things/7")] * 2
                ]
            )
    plain, indexed_answers = answers
    assert indexed_answers == plain
